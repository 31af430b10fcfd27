#include "engine/kernels/registry.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace berth::engine {
namespace {

bool Accepts(const KernelDef& def, DataType type) {
  return def.types.empty() ||
         std::find(def.types.begin(), def.types.end(), type) != def.types.end();
}

bool TypesOverlap(const KernelDef& a, const KernelDef& b) {
  if (a.types.empty() || b.types.empty()) return true;
  for (DataType t : a.types) {
    if (Accepts(b, t)) return true;
  }
  return false;
}

std::string DomainLabel(const std::string& domain) {
  return domain.empty() ? "ai.onnx" : domain;
}

}  // namespace

absl::Status KernelRegistry::Register(KernelDef def) {
  if (def.since_version > def.end_version || !def.factory) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad kernel definition for ", def.op_type));
  }
  auto& list = defs_[{def.domain, def.op_type}];
  for (const KernelDef& other : list) {
    bool versions_overlap =
        def.since_version <= other.end_version && other.since_version <= def.end_version;
    if (versions_overlap && TypesOverlap(def, other)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "kernel ", DomainLabel(def.domain), "::", def.op_type, " opsets ", def.since_version,
          "-", def.end_version, " overlaps one registered before"));
    }
  }
  list.push_back(std::move(def));
  return absl::OkStatus();
}

absl::StatusOr<const KernelDef*> KernelRegistry::Find(const std::string& domain,
                                                      const std::string& op_type, int opset,
                                                      const std::vector<DataType>& input_types) const {
  auto it = defs_.find({domain, op_type});
  std::string label = absl::StrCat("operator ", op_type, " (domain ", DomainLabel(domain),
                                   ", opset ", opset, ")");
  if (it == defs_.end()) return absl::UnimplementedError(absl::StrCat(label, " is not supported"));
  bool version_matched = false;
  DataType rejected = DataType::kUndefined;
  for (const KernelDef& def : it->second) {
    if (opset < def.since_version || opset > def.end_version) continue;
    version_matched = true;
    DataType type = def.type_input >= 0 && def.type_input < static_cast<int>(input_types.size())
                        ? input_types[def.type_input]
                        : DataType::kUndefined;
    if (Accepts(def, type)) return &def;
    rejected = type;
  }
  if (!version_matched) {
    return absl::UnimplementedError(absl::StrCat(label, " is not supported at this opset"));
  }
  return absl::UnimplementedError(absl::StrCat(label, " is not supported for input type ",
                                               DataTypeName(rejected)));
}

std::vector<const KernelDef*> KernelRegistry::All() const {
  std::vector<const KernelDef*> out;
  for (const auto& [key, list] : defs_) {
    for (const KernelDef& def : list) out.push_back(&def);
  }
  return out;
}

}  // namespace berth::engine
