// Events worth telling people about (a rollout started, was promoted or rolled back; an alias
// was rolled back; drift crossed its threshold), and the interface of whatever delivers them
// (the webhook notifier). Modules that notice such things take an EventSink (may be null: no
// delivery) and publish; the sink never blocks them.
#ifndef BERTH_MONITORING_EVENTS_H_
#define BERTH_MONITORING_EVENTS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace berth::monitoring {

// Event types; the `type` member holds one of these.
inline constexpr char kRolloutStarted[] = "rollout.started";
inline constexpr char kRolloutPromoted[] = "rollout.promoted";
inline constexpr char kRolloutRolledBack[] = "rollout.rolled_back";
inline constexpr char kAliasMoved[] = "alias.moved";
inline constexpr char kDriftDetected[] = "drift.detected";
inline constexpr char kDriftResolved[] = "drift.resolved";

struct Event {
  std::string type;   // one of the constants above
  std::string model;
  std::string alias;  // empty when the event concerns no alias
  int64_t version = 0;  // the version concerned (a rollout's candidate, an alias's new target)
  std::string reason;   // why, in words; may be empty
  absl::Time at;
  // Further facts as name/value pairs (e.g. {"psi", "0.31"}, {"from_version", "3"}).
  std::vector<std::pair<std::string, std::string>> details;
};

// Thread-safe; Publish returns at once (delivery happens elsewhere, and may drop events when
// its bounded queue is full, counting them).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(Event event) = 0;
};

}  // namespace berth::monitoring

#endif  // BERTH_MONITORING_EVENTS_H_
