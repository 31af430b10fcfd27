// Error-propagation macros over absl::Status / absl::StatusOr.
//
//   RETURN_IF_ERROR(DoThing());            // returns the Status if not ok
//   ASSIGN_OR_RETURN(auto v, MakeThing()); // unwraps a StatusOr or returns its Status
#ifndef BERTH_COMMON_STATUS_MACROS_H_
#define BERTH_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BERTH_CONCAT_INNER_(a, b) a##b
#define BERTH_CONCAT_(a, b) BERTH_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status berth_status_ = (expr);         \
    if (!berth_status_.ok()) return berth_status_; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(BERTH_CONCAT_(berth_statusor_, __LINE__), lhs, expr)

#endif  // BERTH_COMMON_STATUS_MACROS_H_
