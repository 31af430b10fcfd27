// Reading SqlValue columns (internal to src/registry). The schema fixes each column's type,
// so a mismatch is a broken database: the readers return a neutral value rather than crash.
#ifndef BERTH_REGISTRY_SQL_VALUES_H_
#define BERTH_REGISTRY_SQL_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "registry/sql_database.h"

namespace berth::registry {

inline int64_t AsInt(const SqlValue& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  return 0;
}

inline double AsDouble(const SqlValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return 0;
}

inline std::string AsText(const SqlValue& v) {
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  return "";
}

inline std::optional<int64_t> AsOptionalInt(const SqlValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return AsInt(v);
}

inline std::optional<double> AsOptionalDouble(const SqlValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return AsDouble(v);
}

inline SqlValue OptionalDoubleValue(const std::optional<double>& v) {
  if (!v.has_value()) return std::monostate{};
  return *v;
}

inline SqlValue OptionalIntValue(const std::optional<int64_t>& v) {
  if (!v.has_value()) return std::monostate{};
  return *v;
}

// Times are stored as microseconds since the Unix epoch.
inline absl::Time AsTime(const SqlValue& v) { return absl::FromUnixMicros(AsInt(v)); }
inline SqlValue TimeValue(absl::Time t) { return absl::ToUnixMicros(t); }

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_SQL_VALUES_H_
