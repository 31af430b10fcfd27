// libFuzzer target: arbitrary bytes through the registry's record JSON readers
// (registry/record_json.h), as the CLI reads the management API's answers (--admin-url). The
// first byte picks the reader (version, versions, aliases, deployment(s), rollout(s),
// protection(s), gate verdicts, document); the rest is the JSON. Any input must give records
// or an error, never a crash, a leak or undefined behaviour; records that parse are written
// again with the matching writer and must read back to the same records (the same JSON value
// when written once more).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "json_equal.h"
#include "registry/record_json.h"

namespace {

namespace registry = berth::registry;

[[noreturn]] void Fail(const char* what, const std::string& once, const std::string& other) {
  std::fprintf(stderr, "%s:\n%s\n%s\n", what, once.c_str(), other.c_str());
  std::abort();
}

// Writes `records` with `write` (one object, or an array when `many`), reads that back with
// `read`, and checks that writing what was read gives the same JSON value. When the first
// writing changed the records (bytes that are not UTF-8 become U+FFFD, so two tag names that
// differed only there become one), the second writing must be a fixed point instead.
template <typename T, typename Write, typename Read>
void CheckRoundTrip(const std::vector<T>& records, bool many, Write write, Read read) {
  auto text = [&](const std::vector<T>& rs) {
    berth::JsonWriter w;
    if (many) w.BeginArray();
    for (const T& r : rs) write(w, r);
    if (many) w.EndArray();
    return w.str();
  };
  const std::string once = text(records);
  auto back = read(once);
  if (!back.ok()) Fail("the written records do not read back", once, back.status().ToString());
  const std::string twice = text(*back);
  if (berth::fuzz::SameJson(once, twice)) return;
  auto again = read(twice);
  if (!again.ok()) Fail("the written records do not read back", twice, again.status().ToString());
  const std::string thrice = text(*again);
  if (!berth::fuzz::SameJson(twice, thrice)) Fail("the records read back differ", twice, thrice);
}

template <typename T>
std::vector<T> AsVector(T one) {
  std::vector<T> v;
  v.push_back(std::move(one));
  return v;
}

// A reader of one record as a reader of a vector of one.
template <typename Read>
auto One(Read read) {
  return [read](std::string_view json)
             -> absl::StatusOr<std::vector<typename decltype(read(json))::value_type>> {
    auto r = read(json);
    if (!r.ok()) return r.status();
    return AsVector(std::move(*r));
  };
}

template <typename T, typename Write, typename Read>
void Fuzz(std::string_view json, bool many, Write write, Read read) {
  auto records = read(json);
  if (!records.ok()) return;
  CheckRoundTrip<T>(*records, many, write, read);
}

void WriteVersion(berth::JsonWriter& w, const registry::ModelVersion& v) {
  registry::WriteVersionJson(w, v, {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view json(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 11) {
    case 0:
      Fuzz<registry::ModelVersion>(json, false, WriteVersion, One(registry::VersionFromJson));
      break;
    case 1:
      Fuzz<registry::ModelVersion>(json, true, WriteVersion, registry::VersionsFromJson);
      break;
    case 2:
      Fuzz<registry::Alias>(json, true, registry::WriteAliasJson, registry::AliasesFromJson);
      break;
    case 3:
      Fuzz<registry::DeploymentRecord>(json, false, registry::WriteDeploymentJson,
                                       One(registry::DeploymentFromJson));
      break;
    case 4:
      Fuzz<registry::DeploymentRecord>(json, true, registry::WriteDeploymentJson,
                                       registry::DeploymentsFromJson);
      break;
    case 5:
      Fuzz<registry::Rollout>(json, false, registry::WriteRolloutJson,
                              One(registry::RolloutFromJson));
      break;
    case 6:
      Fuzz<registry::Rollout>(json, true, registry::WriteRolloutJson, registry::RolloutsFromJson);
      break;
    case 7:
      Fuzz<registry::Protection>(json, false, registry::WriteProtectionJson,
                                 One(registry::ProtectionFromJson));
      break;
    case 8:
      Fuzz<registry::Protection>(json, true, registry::WriteProtectionJson,
                                 registry::ProtectionsFromJson);
      break;
    case 9:
      Fuzz<registry::GateVerdict>(json, true, registry::WriteGateVerdictJson,
                                  registry::GateVerdictsFromJson);
      break;
    default:
      Fuzz<registry::VersionDocument>(json, false, registry::WriteDocumentJson,
                                      One(registry::DocumentFromJson));
      break;
  }
  return 0;
}
