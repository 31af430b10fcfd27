#include "scope.h"

#include <cstring>
#include <functional>
#include <iterator>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/core/data_type.h"

namespace berth::conformance {
namespace {

constexpr char kTrainingDomain[] = "ai.onnx.preview.training";

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

bool IsRandomOp(const onnx::NodeProto& node) {
  static const char* const kOps[] = {"Bernoulli",         "RandomNormal", "RandomNormalLike",
                                     "RandomUniform",     "RandomUniformLike", "Multinomial"};
  if (!IsDefaultDomain(node.domain())) return false;
  for (const char* op : kOps) {
    if (node.op_type() == op) return true;
  }
  return false;
}

// Calls fn on every node of `graph` and of its subgraphs (If/Loop/Scan bodies).
void ForEachNode(const onnx::GraphProto& graph,
                 const std::function<void(const onnx::NodeProto&, bool nested)>& fn,
                 bool nested = false) {
  for (const onnx::NodeProto& node : graph.node()) {
    fn(node, nested);
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.has_g()) ForEachNode(attr.g(), fn, true);
      for (const onnx::GraphProto& g : attr.graphs()) ForEachNode(g, fn, true);
    }
  }
}

// The first element of a scalar-like tensor as a double, for bool and floating types.
std::optional<double> FirstValue(const onnx::TensorProto& t) {
  const std::string& raw = t.raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::BOOL:
      if (!raw.empty()) return raw[0] != 0 ? 1.0 : 0.0;
      if (t.int32_data_size() > 0) return t.int32_data(0) != 0 ? 1.0 : 0.0;
      return std::nullopt;
    case onnx::TensorProto::FLOAT:
      if (raw.size() >= 4) {
        float f;
        std::memcpy(&f, raw.data(), 4);
        return f;
      }
      if (t.float_data_size() > 0) return t.float_data(0);
      return std::nullopt;
    case onnx::TensorProto::DOUBLE:
      if (raw.size() >= 8) {
        double d;
        std::memcpy(&d, raw.data(), 8);
        return d;
      }
      if (t.double_data_size() > 0) return t.double_data(0);
      return std::nullopt;
    case onnx::TensorProto::FLOAT16: {
      engine::Float16 h;
      if (raw.size() >= 2) {
        std::memcpy(&h.bits, raw.data(), 2);
      } else if (t.int32_data_size() > 0) {
        h.bits = static_cast<uint16_t>(t.int32_data(0));
      } else {
        return std::nullopt;
      }
      return static_cast<float>(h);
    }
    default:
      return std::nullopt;
  }
}

// The constant value of `name`: a data-set input, an initializer or a Constant's output.
std::optional<double> ResolveConstant(const onnx::GraphProto& graph, const std::string& name,
                                      const std::map<std::string, onnx::TensorProto>& feeds) {
  if (auto it = feeds.find(name); it != feeds.end()) return FirstValue(it->second);
  for (const onnx::TensorProto& init : graph.initializer()) {
    if (init.name() == name) return FirstValue(init);
  }
  for (const onnx::NodeProto& node : graph.node()) {
    if (node.op_type() != "Constant" || node.output_size() != 1 || node.output(0) != name) {
      continue;
    }
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.name() == "value" && attr.has_t()) return FirstValue(attr.t());
      if (attr.name() == "value_float") return attr.f();
      if (attr.name() == "value_int") return static_cast<double>(attr.i());
    }
  }
  return std::nullopt;
}

// Why a Dropout node draws random outputs, or "" if it is deterministic.
std::string RandomDropoutReason(const onnx::GraphProto& graph, const onnx::NodeProto& node,
                                bool nested,
                                const std::map<std::string, onnx::TensorProto>& feeds) {
  if (node.input_size() < 3 || node.input(2).empty()) return "";  // inference mode
  if (nested) return "Dropout with a training_mode input inside a subgraph";
  std::optional<double> training = ResolveConstant(graph, node.input(2), feeds);
  if (!training.has_value()) return "Dropout with a non-constant training_mode";
  if (*training == 0) return "";
  std::optional<double> ratio = 0.5;
  if (node.input_size() >= 2 && !node.input(1).empty()) {
    ratio = ResolveConstant(graph, node.input(1), feeds);
  }
  if (ratio.has_value() && *ratio == 0) return "";  // keeps everything: deterministic
  return "Dropout with training_mode true draws a random mask";
}

std::string ValueKind(const onnx::TypeProto& type) {
  switch (type.value_case()) {
    case onnx::TypeProto::kSequenceType: return "sequence";
    case onnx::TypeProto::kMapType: return "map";
    case onnx::TypeProto::kOptionalType: return "optional";
    default: return "";
  }
}

std::string ElemTypeName(int32_t elem_type) {
  // Debian's onnx 1.12 protobuf predates the types after BFLOAT16.
  static const char* const kNewer[] = {
      "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",     "INT4",
      "FLOAT4E2M1",   "FLOAT8E8M0",     "UINT2",      "INT2",           "FLOAT6E2M3", "FLOAT6E3M2"};
  if (elem_type >= 17 && elem_type < 17 + static_cast<int32_t>(std::size(kNewer))) {
    return kNewer[elem_type - 17];
  }
  std::string name = onnx::TensorProto_DataType_Name(elem_type);
  return name.empty() ? absl::StrCat("data type ", elem_type) : name;
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kUnsupported: return "unsupported";
    case Outcome::kOutOfScope: return "out-of-scope";
    case Outcome::kCrash: return "crash";
  }
  return "?";
}

Decision CheckScope(const onnx::ModelProto& model,
                    const std::map<std::string, onnx::TensorProto>& feeds) {
  const onnx::GraphProto& graph = model.graph();
  for (const auto* list : {&graph.input(), &graph.output()}) {
    const char* role = list == &graph.input() ? "input" : "output";
    for (const onnx::ValueInfoProto& info : *list) {
      std::string kind = ValueKind(info.type());
      if (!kind.empty()) {
        return {Outcome::kOutOfScope, absl::StrCat(kind, " graph ", role, " '", info.name(), "'")};
      }
    }
  }
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    if (opset.domain() == kTrainingDomain) {
      return {Outcome::kOutOfScope, absl::StrCat("uses domain ", kTrainingDomain)};
    }
  }
  Decision decision;
  ForEachNode(graph, [&](const onnx::NodeProto& node, bool nested) {
    if (decision.outcome != Outcome::kPass) return;
    if (node.domain() == kTrainingDomain) {
      decision = {Outcome::kOutOfScope, absl::StrCat("uses domain ", kTrainingDomain)};
    } else if (IsRandomOp(node)) {
      decision = {Outcome::kOutOfScope, absl::StrCat(node.op_type(), " draws random values")};
    } else if (IsDefaultDomain(node.domain()) && node.op_type() == "Dropout") {
      std::string reason = RandomDropoutReason(graph, node, nested, feeds);
      if (!reason.empty()) decision = {Outcome::kOutOfScope, reason};
    }
  });
  if (decision.outcome != Outcome::kPass) return decision;

  for (const auto* list : {&graph.input(), &graph.output()}) {
    const char* role = list == &graph.input() ? "input" : "output";
    for (const onnx::ValueInfoProto& info : *list) {
      if (!info.type().has_tensor_type()) continue;
      int32_t elem = info.type().tensor_type().elem_type();
      if (elem != 0 && !engine::IsKnownDataType(elem)) {
        return {Outcome::kUnsupported, absl::StrCat("graph ", role, " '", info.name(),
                                                    "' has element type ", ElemTypeName(elem))};
      }
    }
  }
  return decision;
}

std::set<std::string> NonDefaultDomains(const onnx::ModelProto& model) {
  std::set<std::string> domains;
  ForEachNode(model.graph(), [&](const onnx::NodeProto& node, bool) {
    if (!IsDefaultDomain(node.domain())) domains.insert(node.domain());
  });
  return domains;
}

Outcome ClassifyLoadError(const absl::Status& status, const std::set<std::string>& domains) {
  if (status.code() == absl::StatusCode::kUnimplemented) return Outcome::kUnsupported;
  if (!domains.empty()) return Outcome::kUnsupported;
  return Outcome::kFail;
}

}  // namespace berth::conformance
