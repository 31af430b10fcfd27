// The gate of a protected alias (contract C2): whether a version may go behind the alias,
// judged from the version's validation report (the "validation" document, contract C1).
// Pure: the store calls it inside the write transaction that moves the alias or starts the
// rollout, with the protection and the report it read in that transaction.
#ifndef BERTH_REGISTRY_GATE_H_
#define BERTH_REGISTRY_GATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "registry/types.h"

namespace berth::registry {

// The report format the gate reads.
inline constexpr char kValidationFormat[] = "berth.validation/1";

// OK when `protection` is one the registry can enforce: a valid model name and alias, the
// requirement kValidationRequirement, min_accuracy a number in [0, 1], max_p99_ms a positive
// finite number. InvalidArgument naming what is wrong otherwise (an unknown requirement by
// name).
absl::Status ValidateProtection(const Protection& protection);

// OK unless `override` forces without a reason (blank counts as none): InvalidArgument then,
// since the reason is what the ledger keeps.
absl::Status ValidateOverride(const GateOverride& override);

// OK when `version` of protection.model may go behind protection.alias, given the version's
// validation report (nullopt when it has none). Otherwise FailedPrecondition whose message
// names the model, the version, the alias and every reason with its figures: no report; a
// report that cannot be read (not JSON, another format, `passed` missing); a report that did
// not pass (its failed checks and their messages); top-1 accuracy below min_accuracy (or no
// top-1 in the report while a minimum is set); p99 above max_p99_ms (or no latency while a
// budget is set).
absl::Status CheckGate(const Protection& protection, int64_t version,
                       const std::optional<VersionDocument>& report);

// Why `version` of protection.model may not go behind protection.alias (CheckGate's
// reasons, without the sentence around them); empty when it may.
std::vector<std::string> GateReasons(const Protection& protection, int64_t version,
                                     const std::optional<VersionDocument>& report);

// One protection of a model and why a version would be refused by it now (no reasons: it
// would pass). `berth show` prints one per protected alias.
struct GateVerdict {
  Protection protection;
  std::vector<std::string> reasons;
};

// What a protection requires, for tables: "validation, top-1 >= 0.9, p99 <= 5 ms".
std::string ProtectionText(const Protection& protection);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_GATE_H_
