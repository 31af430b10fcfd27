#include "engine/kernels/kernel.h"

#include "absl/strings/str_cat.h"

namespace berth::engine {
namespace {

const char* AttributeTypeName(Attribute::Type type) {
  switch (type) {
    case Attribute::Type::kFloat: return "float";
    case Attribute::Type::kInt: return "int";
    case Attribute::Type::kString: return "string";
    case Attribute::Type::kTensor: return "tensor";
    case Attribute::Type::kGraph: return "graph";
    case Attribute::Type::kFloats: return "floats";
    case Attribute::Type::kInts: return "ints";
    case Attribute::Type::kStrings: return "strings";
    case Attribute::Type::kTensors: return "tensors";
  }
  return "unknown";
}

}  // namespace

KernelInfo::KernelInfo(const Node& node, int opset, std::vector<DataType> input_types,
                       std::vector<const Tensor*> constant_inputs)
    : node_(node),
      opset_(opset),
      input_types_(std::move(input_types)),
      constant_inputs_(std::move(constant_inputs)) {
  constant_inputs_.resize(input_types_.size(), nullptr);
  DataType first = input_types_.empty() ? DataType::kUndefined : input_types_[0];
  output_types_.assign(node_.outputs.size(), first);
}

void KernelInfo::ConsumeConstantInput(int i) {
  if (constant_input(i) == nullptr) return;
  if (consumed_.size() < input_types_.size()) consumed_.resize(input_types_.size(), false);
  consumed_[i] = true;
}

bool KernelInfo::constant_input_consumed(int i) const {
  return i >= 0 && i < static_cast<int>(consumed_.size()) && consumed_[i];
}

bool KernelInfo::has_input(int i) const {
  if (i < 0 || i >= num_inputs()) return false;
  int declared = static_cast<int>(node_.inputs.size());
  if (i >= declared) return i - declared < static_cast<int>(implicit_inputs_.size());
  return !node_.inputs[i].empty();
}

DataType KernelInfo::input_type(int i) const {
  return has_input(i) ? input_types_[i] : DataType::kUndefined;
}

const Tensor* KernelInfo::constant_input(int i) const {
  return has_input(i) ? constant_inputs_[i] : nullptr;
}

absl::Status KernelInfo::Error(const std::string& message) const {
  return absl::InvalidArgumentError(
      absl::StrCat(node_.op_type, " node '", node_.name, "': ", message));
}

bool KernelInfo::HasAttribute(const std::string& name) const {
  return node_.FindAttribute(name) != nullptr;
}

const Attribute* KernelInfo::Find(const std::string& name, Attribute::Type type,
                                  absl::Status* error) const {
  const Attribute* attr = node_.FindAttribute(name);
  if (attr == nullptr) return nullptr;
  if (attr->type != type) {
    *error = Error(absl::StrCat("attribute '", name, "' must be of type ",
                                AttributeTypeName(type), ", not ", AttributeTypeName(attr->type)));
    return nullptr;
  }
  return attr;
}

#define BERTH_ATTRIBUTE_GETTER_(Method, CppType, AttrType, member)                  \
  absl::StatusOr<CppType> KernelInfo::Method(const std::string& name,               \
                                             CppType fallback) const {              \
    absl::Status error;                                                             \
    const Attribute* attr = Find(name, Attribute::Type::AttrType, &error);          \
    if (!error.ok()) return error;                                                  \
    return attr == nullptr ? fallback : attr->member;                               \
  }
BERTH_ATTRIBUTE_GETTER_(IntOr, int64_t, kInt, i)
BERTH_ATTRIBUTE_GETTER_(FloatOr, float, kFloat, f)
BERTH_ATTRIBUTE_GETTER_(StringOr, std::string, kString, s)
BERTH_ATTRIBUTE_GETTER_(IntsOr, std::vector<int64_t>, kInts, ints)
BERTH_ATTRIBUTE_GETTER_(FloatsOr, std::vector<float>, kFloats, floats)
BERTH_ATTRIBUTE_GETTER_(StringsOr, std::vector<std::string>, kStrings, strings)
#undef BERTH_ATTRIBUTE_GETTER_

absl::StatusOr<int64_t> KernelInfo::RequiredInt(const std::string& name) const {
  if (!HasAttribute(name)) return Error(absl::StrCat("missing required attribute '", name, "'"));
  return IntOr(name, 0);
}

absl::StatusOr<std::vector<int64_t>> KernelInfo::RequiredInts(const std::string& name) const {
  if (!HasAttribute(name)) return Error(absl::StrCat("missing required attribute '", name, "'"));
  return IntsOr(name, {});
}

absl::StatusOr<const Tensor*> KernelInfo::RequiredTensor(const std::string& name) const {
  absl::Status error;
  const Attribute* attr = Find(name, Attribute::Type::kTensor, &error);
  if (!error.ok()) return error;
  if (attr == nullptr || attr->t == nullptr) {
    return Error(absl::StrCat("missing required attribute '", name, "'"));
  }
  return attr->t.get();
}

absl::StatusOr<const Graph*> KernelInfo::RequiredGraph(const std::string& name) const {
  absl::Status error;
  const Attribute* attr = Find(name, Attribute::Type::kGraph, &error);
  if (!error.ok()) return error;
  if (attr == nullptr || attr->g == nullptr) {
    return Error(absl::StrCat("missing required attribute '", name, "'"));
  }
  return attr->g.get();
}

absl::StatusOr<const TensorSequence*> KernelContext::InputSequence(int i) const {
  return absl::UnimplementedError(absl::StrCat(
      "this kernel context holds no sequences of tensors (asked for input ", i, ")"));
}

absl::StatusOr<TensorSequence*> KernelContext::OutputSequence(int i) {
  return absl::UnimplementedError(absl::StrCat(
      "this kernel context holds no sequences of tensors (asked for output ", i, ")"));
}

}  // namespace berth::engine
