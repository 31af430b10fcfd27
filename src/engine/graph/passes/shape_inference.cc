#include "engine/graph/passes/shape_inference.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <string>

#include "engine/core/channels_last.h"

namespace berth::engine {
namespace {

// Tracked int64 values longer than this are not worth following element by element.
constexpr int64_t kMaxTrackedElements = 64;

Dim Fixed(int64_t v) {
  Dim d;
  d.value = v;
  return d;
}

bool IsFixed(const Dim& d, int64_t v) { return d.is_fixed() && d.value == v; }

// Every unknown dim gets a symbol here, so a Dim without one is a number. Unlike is_fixed(),
// this also holds for the negative numbers tracked values may contain (a Reshape's -1, a
// Slice's -1).
bool Known(const Dim& d) { return d.symbol.empty(); }

int64_t IntAttr(const Node& node, const std::string& name, int64_t fallback) {
  const Attribute* a = node.FindAttribute(name);
  return a != nullptr && a->type == Attribute::Type::kInt ? a->i : fallback;
}

std::optional<std::vector<int64_t>> IntsAttr(const Node& node, const std::string& name) {
  const Attribute* a = node.FindAttribute(name);
  if (a == nullptr || a->type != Attribute::Type::kInts) return std::nullopt;
  return a->ints;
}

std::string StringAttr(const Node& node, const std::string& name, const std::string& fallback) {
  const Attribute* a = node.FindAttribute(name);
  return a != nullptr && a->type == Attribute::Type::kString ? a->s : fallback;
}

// Normalizes a possibly negative axis against `rank`; -1 when out of range.
int64_t NormalizeAxis(int64_t axis, int64_t rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank ? axis : -1;
}

const std::set<std::string>& SameShapeOps() {
  static const std::set<std::string> kOps = {
      "Relu",        "LeakyRelu",    "PRelu",       "Elu",       "Selu",        "Celu",
      "Sigmoid",     "HardSigmoid",  "HardSwish",   "Tanh",      "Softplus",    "Softsign",
      "Gelu",        "Mish",         "Erf",         "Exp",       "Log",         "Sqrt",
      "Abs",         "Neg",          "Reciprocal",  "Floor",     "Ceil",        "Round",
      "Sign",        "Sin",          "Cos",         "Tan",       "Asin",        "Acos",
      "Atan",        "Sinh",         "Cosh",        "Asinh",     "Acosh",       "Atanh",
      "Not",         "Clip",         "Identity",    "Softmax",   "LogSoftmax",  "Hardmax",
      "Cast",        "CastLike",     "LRN",         "Shrink",    "ThresholdedRelu",
      "InstanceNormalization",       "BatchNormalization",       "LayerNormalization",
      "Dropout",     "IsNaN",        "IsInf",       "BitwiseNot", "MeanVarianceNormalization",
      "CumSum"};
  return kOps;
}

const std::set<std::string>& BroadcastOps() {
  static const std::set<std::string> kOps = {
      "Add",   "Sub",     "Mul",         "Div",           "Pow",          "Mod",  "Max",
      "Min",   "Sum",     "Mean",        "Equal",         "Less",         "Greater",
      "LessOrEqual",      "GreaterOrEqual",              "And",          "Or",   "Xor",
      "BitShift",         "BitwiseAnd",  "BitwiseOr",     "BitwiseXor",   "Where"};
  return kOps;
}

const std::set<std::string>& BoolResultOps() {
  static const std::set<std::string> kOps = {"Equal", "Less",  "Greater", "LessOrEqual",
                                             "GreaterOrEqual", "And",   "Or",      "Xor",
                                             "Not",   "IsNaN", "IsInf"};
  return kOps;
}

const std::set<std::string>& ReduceOps() {
  static const std::set<std::string> kOps = {
      "ReduceMean", "ReduceSum",    "ReduceMax",       "ReduceMin",   "ReduceProd",
      "ReduceL1",   "ReduceL2",     "ReduceLogSum",    "ReduceLogSumExp", "ReduceSumSquare"};
  return kOps;
}

}  // namespace

class ShapeInfo::Builder {
 public:
  Builder(const Graph& graph, ShapeInfo& out) : graph_(graph), out_(out) {}

  void Run() {
    for (const auto& [name, tensor] : graph_.initializers) {
      Info& info = out_.values_[name];
      info.dtype = tensor->dtype();
      DimList dims;
      for (int64_t d : tensor->shape()) dims.push_back(Fixed(d));
      info.dims = dims;
      TrackConstant(name, *tensor);
    }
    for (const ValueInfo& in : graph_.inputs) {
      Info& info = out_.values_[in.name];
      info.dtype = in.dtype;
      if (!in.has_shape) continue;
      DimList dims;
      for (const Dim& d : in.dims) dims.push_back(d.is_fixed() || !d.symbol.empty() ? d : Fresh());
      info.dims = dims;
    }
    for (const Node& node : graph_.nodes) InferNode(node);
  }

 private:
  Dim Fresh() {
    Dim d;
    d.symbol = "\x01?" + std::to_string(next_symbol_++);
    return d;
  }

  const DimList* DimsOf(const Node& node, size_t i) const {
    if (i >= node.inputs.size() || node.inputs[i].empty()) return nullptr;
    return out_.Shape(node.inputs[i]);
  }
  DataType TypeOf(const Node& node, size_t i) const {
    if (i >= node.inputs.size() || node.inputs[i].empty()) return DataType::kUndefined;
    return out_.Type(node.inputs[i]);
  }
  // The tracked elements of input i (an int64 scalar or vector known element by element).
  const DimList* ValueOf(const Node& node, size_t i) const {
    if (i >= node.inputs.size() || node.inputs[i].empty()) return nullptr;
    auto it = int_values_.find(node.inputs[i]);
    return it == int_values_.end() ? nullptr : &it->second;
  }
  // Integer constants that may be negative (axes, starts), from an initializer.
  std::optional<std::vector<int64_t>> ConstInts(const Node& node, size_t i) const {
    if (i >= node.inputs.size() || node.inputs[i].empty()) return std::nullopt;
    auto it = signed_constants_.find(node.inputs[i]);
    if (it == signed_constants_.end()) return std::nullopt;
    return it->second;
  }

  void TrackConstant(const std::string& name, const Tensor& t) {
    if (t.rank() > 1 || t.num_elements() > kMaxTrackedElements) return;
    std::vector<int64_t> v;
    if (t.dtype() == DataType::kInt64) {
      v.assign(t.data<int64_t>(), t.data<int64_t>() + t.num_elements());
    } else if (t.dtype() == DataType::kInt32) {
      v.assign(t.data<int32_t>(), t.data<int32_t>() + t.num_elements());
    } else {
      return;
    }
    signed_constants_[name] = v;
    if (t.dtype() != DataType::kInt64) return;
    DimList dims;
    for (int64_t x : v) dims.push_back(Fixed(x));
    int_values_[name] = dims;
  }

  void Set(const Node& node, size_t o, std::optional<DimList> dims, DataType dtype) {
    if (o >= node.outputs.size() || node.outputs[o].empty()) return;
    Info& info = out_.values_[node.outputs[o]];
    info.dims = std::move(dims);
    info.dtype = dtype;
  }
  void SetValue(const Node& node, size_t o, DimList value) {
    if (o >= node.outputs.size() || node.outputs[o].empty()) return;
    if (static_cast<int64_t>(value.size()) > kMaxTrackedElements) return;
    int_values_[node.outputs[o]] = std::move(value);
  }

  // The product of dims as one dim: fixed when all are, the symbol when it is the only
  // factor, fresh otherwise.
  Dim Product(const DimList& dims, size_t begin, size_t end) {
    int64_t coef = 1;
    std::vector<const Dim*> syms;
    for (size_t i = begin; i < end; ++i) {
      if (dims[i].is_fixed()) {
        coef *= dims[i].value;
      } else {
        syms.push_back(&dims[i]);
      }
    }
    if (syms.empty()) return Fixed(coef);
    if (syms.size() == 1 && coef == 1) return *syms[0];
    if (coef == 0) return Fixed(0);
    return Fresh();
  }

  std::optional<DimList> Broadcast(const DimList& a, const DimList& b) {
    const size_t rank = std::max(a.size(), b.size());
    DimList out(rank);
    for (size_t i = 0; i < rank; ++i) {
      const Dim* x = i + a.size() >= rank ? &a[i + a.size() - rank] : nullptr;
      const Dim* y = i + b.size() >= rank ? &b[i + b.size() - rank] : nullptr;
      if (x == nullptr) {
        out[i] = *y;
      } else if (y == nullptr) {
        out[i] = *x;
      } else if (SameDim(*x, *y) || IsFixed(*y, 1)) {
        out[i] = *x;
      } else if (IsFixed(*x, 1)) {
        out[i] = *y;
      } else if (x->is_fixed() && y->is_fixed()) {
        return std::nullopt;  // the op will refuse these shapes
      } else if (x->is_fixed()) {
        out[i] = *x;  // the symbol must be 1 or equal
      } else if (y->is_fixed()) {
        out[i] = *y;
      } else {
        out[i] = Fresh();
      }
    }
    return out;
  }

  void InferNode(const Node& node) {
    if (node.outputs.empty()) return;
    const std::string& op = node.op_type;
    const DataType t0 = TypeOf(node, 0);
    if (node.domain == "berth") {
      if (IntAttr(node, "channels_last", 0) == 1) return InferChannelsLast(node);
      if (op == "FusedConv") return InferConvLike(node, /*pool=*/false);
      if (op == "FusedMatMul") return InferMatMul(node, IntAttr(node, "transA", 0) != 0,
                                                  IntAttr(node, "transB", 0) != 0);
      if (op == "DynamicQuantizeMatMul") return InferMatMul(node, false, false);
      return;
    }
    if (!node.domain.empty()) return;
    if (SameShapeOps().count(op)) {
      DataType dtype = t0;
      if (op == "Cast") dtype = static_cast<DataType>(IntAttr(node, "to", 0));
      if (op == "CastLike") dtype = TypeOf(node, 1);
      if (BoolResultOps().count(op)) dtype = DataType::kBool;
      const DimList* x = DimsOf(node, 0);
      Set(node, 0, x ? std::optional<DimList>(*x) : std::nullopt, dtype);
      if (op == "Dropout" && x) Set(node, 1, *x, DataType::kBool);
      if ((op == "Identity" || (op == "Cast" && dtype == DataType::kInt64)) && ValueOf(node, 0)) {
        SetValue(node, 0, *ValueOf(node, 0));
      }
      return;
    }
    if (BroadcastOps().count(op)) return InferBroadcast(node);
    if (op == "QuantizeLinear" || op == "DequantizeLinear") return InferQuantize(node);
    if (op == "Conv") return InferConvLike(node, false);
    if (op == "MaxPool" || op == "AveragePool" || op == "LpPool") return InferConvLike(node, true);
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "GlobalLpPool") {
      const DimList* x = DimsOf(node, 0);
      if (x == nullptr || x->size() < 2) return Set(node, 0, std::nullopt, t0);
      DimList out = *x;
      for (size_t i = 2; i < out.size(); ++i) out[i] = Fixed(1);
      return Set(node, 0, out, t0);
    }
    if (op == "MatMul") return InferMatMul(node, false, false);
    if (op == "MatMulInteger") return InferMatMul(node, false, false, DataType::kInt32);
    if (op == "DynamicQuantizeLinear") return InferDynamicQuantize(node);
    if (op == "DequantizeLinear") {  // x's shape, the scale's type
      const DimList* x = DimsOf(node, 0);
      return Set(node, 0, x ? std::optional<DimList>(*x) : std::nullopt, TypeOf(node, 1));
    }
    if (op == "Gemm") return InferGemm(node);
    if (op == "Flatten") return InferFlatten(node);
    if (op == "Reshape") return InferReshape(node);
    if (op == "Transpose") return InferTranspose(node);
    if (op == "Squeeze") return InferSqueeze(node);
    if (op == "Unsqueeze") return InferUnsqueeze(node);
    if (op == "Concat") return InferConcat(node);
    if (op == "Split") return InferSplit(node);
    if (op == "Slice") return InferSlice(node);
    if (op == "Gather") return InferGather(node);
    if (op == "Shape") return InferShapeOp(node);
    if (op == "Size") {
      Set(node, 0, DimList{}, DataType::kInt64);
      if (const DimList* x = DimsOf(node, 0)) SetValue(node, 0, {Product(*x, 0, x->size())});
      return;
    }
    if (ReduceOps().count(op) || op == "ArgMax" || op == "ArgMin") return InferReduce(node);
    if (op == "Expand") return InferExpand(node);
    if (op == "ConstantOfShape") return InferConstantOfShape(node);
    if (op == "Constant") return InferConstant(node);
  }

  void InferBroadcast(const Node& node) {
    const std::string& op = node.op_type;
    DataType dtype = op == "Where" ? TypeOf(node, 1) : TypeOf(node, 0);
    if (BoolResultOps().count(op)) dtype = DataType::kBool;
    std::optional<DimList> acc;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const DimList* d = DimsOf(node, i);
      if (d == nullptr) return Set(node, 0, std::nullopt, dtype);
      acc = i == 0 ? std::optional<DimList>(*d) : Broadcast(*acc, *d);
      if (!acc) return Set(node, 0, std::nullopt, dtype);
    }
    Set(node, 0, acc, dtype);
    // Arithmetic on tracked shape values (rank <= 1 operands of equal length or scalars).
    if (node.inputs.size() != 2 || op == "Where" || dtype != DataType::kInt64) return;
    const DimList* a = ValueOf(node, 0);
    const DimList* b = ValueOf(node, 1);
    if (a == nullptr || b == nullptr || acc->size() > 1) return;
    const size_t n = std::max(a->size(), b->size());
    if ((a->size() != n && a->size() != 1) || (b->size() != n && b->size() != 1)) return;
    DimList result;
    for (size_t i = 0; i < n; ++i) {
      const Dim& x = (*a)[a->size() == 1 ? 0 : i];
      const Dim& y = (*b)[b->size() == 1 ? 0 : i];
      if (Known(x) && Known(y)) {
        int64_t v;
        if (op == "Add") {
          v = x.value + y.value;
        } else if (op == "Sub") {
          v = x.value - y.value;
        } else if (op == "Mul") {
          v = x.value * y.value;
        } else if (op == "Div" && y.value != 0) {
          v = x.value / y.value;
        } else {
          return;
        }
        result.push_back(Fixed(v));
      } else if ((op == "Mul" || op == "Div") && IsFixed(y, 1)) {
        result.push_back(x);
      } else if (op == "Mul" && IsFixed(x, 1)) {
        result.push_back(y);
      } else {
        result.push_back(Fresh());
      }
    }
    SetValue(node, 0, result);
  }

  // The channels-last forms of FusedConv and the pools (core/channels_last.h): the same
  // rules on the channels-first view of X, the result moved back to channels-last.
  void InferChannelsLast(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    const std::string& op = node.op_type;
    if (x == nullptr || x->size() < 3) return Set(node, 0, std::nullopt, dtype);
    const int rank = static_cast<int>(x->size());
    const DimList first = PermuteDims(*x, ToChannelsFirstPerm(rank));
    std::optional<DimList> out;
    if (op == "FusedConv" || op == "MaxPool" || op == "AveragePool") {
      out = ConvLikeDims(node, op != "FusedConv", first);
    } else if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
      out = first;
      for (size_t i = 2; i < out->size(); ++i) (*out)[i] = Fixed(1);
    }
    if (out) out = PermuteDims(*out, ToChannelsLastPerm(rank));
    Set(node, 0, out, dtype);
  }

  static DimList PermuteDims(const DimList& in, const std::vector<int64_t>& perm) {
    DimList out;
    for (int64_t p : perm) out.push_back(in[p]);
    return out;
  }

  // QuantizeLinear and DequantizeLinear keep x's shape. The type is the zero point's (uint8
  // when absent) or float; left unknown for output_dtype and non-float scales.
  void InferQuantize(const Node& node) {
    DataType dtype = DataType::kFloat;
    if (node.op_type == "QuantizeLinear") {
      dtype = node.inputs.size() > 2 ? TypeOf(node, 2) : DataType::kUint8;
    }
    if (node.FindAttribute("output_dtype") != nullptr || TypeOf(node, 1) != DataType::kFloat) {
      dtype = DataType::kUndefined;
    }
    const DimList* x = DimsOf(node, 0);
    Set(node, 0, x ? std::optional<DimList>(*x) : std::nullopt, dtype);
  }

  // Conv, FusedConv and the windowed pools: [N, C or M, spatial...].
  void InferConvLike(const Node& node, bool pool) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    if (x == nullptr || x->size() < 3) return Set(node, 0, std::nullopt, dtype);
    std::optional<DimList> out = ConvLikeDims(node, pool, *x);
    Set(node, 0, out, dtype);
    if (node.op_type == "MaxPool" && out) Set(node, 1, *out, DataType::kInt64);
  }

  // The output dims of a Conv-like node for channels-first input dims `x_dims` (rank >= 3);
  // nullopt when the attributes or weights do not fit.
  std::optional<DimList> ConvLikeDims(const Node& node, bool pool, const DimList& x_dims) {
    const DimList* x = &x_dims;
    const size_t spatial = x->size() - 2;
    DimList out(x->size());
    out[0] = (*x)[0];
    std::vector<int64_t> kernel;
    if (auto k = IntsAttr(node, "kernel_shape")) kernel = *k;
    if (pool) {
      out[1] = (*x)[1];
    } else {
      const DimList* w = DimsOf(node, 1);
      if (w == nullptr || w->size() != x->size()) return std::nullopt;
      out[1] = (*w)[0];
      if (kernel.empty()) {
        for (size_t i = 2; i < w->size(); ++i) {
          kernel.push_back((*w)[i].is_fixed() ? (*w)[i].value : -1);
        }
      }
    }
    if (kernel.size() != spatial) return std::nullopt;
    const std::vector<int64_t> ones(spatial, 1), zeros(2 * spatial, 0);
    std::vector<int64_t> strides = IntsAttr(node, "strides").value_or(ones);
    std::vector<int64_t> dilations = IntsAttr(node, "dilations").value_or(ones);
    std::vector<int64_t> pads = IntsAttr(node, "pads").value_or(zeros);
    const std::string auto_pad = StringAttr(node, "auto_pad", "NOTSET");
    const bool ceil_mode = IntAttr(node, "ceil_mode", 0) != 0;
    if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial) {
      return std::nullopt;
    }
    for (size_t i = 0; i < spatial; ++i) {
      const Dim& in = (*x)[2 + i];
      const int64_t k = kernel[i], s = strides[i], d = dilations[i];
      if (!in.is_fixed() || k <= 0 || s <= 0 || d <= 0 || ceil_mode) {
        out[2 + i] = Fresh();
        continue;
      }
      const int64_t k_eff = (k - 1) * d + 1;
      int64_t o;
      if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        o = (in.value + s - 1) / s;
      } else if (auto_pad == "VALID") {
        o = in.value >= k_eff ? (in.value - k_eff) / s + 1 : 0;
      } else if (auto_pad == "NOTSET") {
        const int64_t padded = in.value + pads[i] + pads[i + spatial];
        o = padded >= k_eff ? (padded - k_eff) / s + 1 : 0;
      } else {
        return std::nullopt;
      }
      if (o <= 0) return std::nullopt;
      out[2 + i] = Fixed(o);
    }
    return out;
  }

  // y has x's shape (uint8); y_scale (float) and y_zero_point (uint8) are scalars.
  void InferDynamicQuantize(const Node& node) {
    const DimList* x = DimsOf(node, 0);
    Set(node, 0, x ? std::optional<DimList>(*x) : std::nullopt, DataType::kUint8);
    if (node.outputs.size() > 1) Set(node, 1, DimList{}, DataType::kFloat);
    if (node.outputs.size() > 2) Set(node, 2, DimList{}, DataType::kUint8);
  }

  // The output type is A's unless `result` is given.
  void InferMatMul(const Node& node, bool trans_a, bool trans_b,
                   std::optional<DataType> result = std::nullopt) {
    const DataType dtype = result.value_or(TypeOf(node, 0));
    const DimList* a = DimsOf(node, 0);
    const DimList* b = DimsOf(node, 1);
    if (a == nullptr || b == nullptr || a->empty() || b->empty()) {
      return Set(node, 0, std::nullopt, dtype);
    }
    DimList a2 = *a, b2 = *b;
    const bool a_vec = a2.size() == 1, b_vec = b2.size() == 1;
    if (a_vec) a2.insert(a2.begin(), Fixed(1));
    if (b_vec) b2.push_back(Fixed(1));
    if (trans_a && !a_vec) std::swap(a2[a2.size() - 1], a2[a2.size() - 2]);
    if (trans_b && !b_vec) std::swap(b2[b2.size() - 1], b2[b2.size() - 2]);
    DimList a_batch(a2.begin(), a2.end() - 2), b_batch(b2.begin(), b2.end() - 2);
    std::optional<DimList> out = Broadcast(a_batch, b_batch);
    if (!out) return Set(node, 0, std::nullopt, dtype);
    if (!a_vec) out->push_back(a2[a2.size() - 2]);
    if (!b_vec) out->push_back(b2.back());
    Set(node, 0, out, dtype);
  }

  void InferGemm(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* a = DimsOf(node, 0);
    const DimList* b = DimsOf(node, 1);
    if (a == nullptr || b == nullptr || a->size() != 2 || b->size() != 2) {
      return Set(node, 0, std::nullopt, dtype);
    }
    const bool ta = IntAttr(node, "transA", 0) != 0, tb = IntAttr(node, "transB", 0) != 0;
    Set(node, 0, DimList{(*a)[ta ? 1 : 0], (*b)[tb ? 0 : 1]}, dtype);
  }

  void InferFlatten(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    if (x == nullptr) return Set(node, 0, std::nullopt, dtype);
    const int64_t rank = static_cast<int64_t>(x->size());
    int64_t axis = IntAttr(node, "axis", 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) return Set(node, 0, std::nullopt, dtype);
    Set(node, 0, DimList{Product(*x, 0, axis), Product(*x, axis, rank)}, dtype);
  }

  void InferReshape(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    const DimList* shape = ValueOf(node, 1);
    if (shape == nullptr) {
      // Opset 1-4 Reshape takes the shape as an attribute.
      if (auto attr = IntsAttr(node, "shape"); attr && node.inputs.size() < 2) {
        DimList v;
        for (int64_t s : *attr) v.push_back(Fixed(s));
        return ReshapeTo(node, x, v, dtype);
      }
      const DimList* shape_shape = DimsOf(node, 1);
      if (shape_shape != nullptr && shape_shape->size() == 1 && (*shape_shape)[0].is_fixed()) {
        DimList out;
        for (int64_t i = 0; i < (*shape_shape)[0].value; ++i) out.push_back(Fresh());
        return Set(node, 0, out, dtype);
      }
      return Set(node, 0, std::nullopt, dtype);
    }
    ReshapeTo(node, x, *shape, dtype);
  }

  void ReshapeTo(const Node& node, const DimList* x, const DimList& shape, DataType dtype) {
    const bool allow_zero = IntAttr(node, "allowzero", 0) != 0;
    DimList out(shape.size());
    int infer = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
      const Dim& s = shape[i];
      if (Known(s) && s.value == -1) {
        if (infer >= 0) return Set(node, 0, std::nullopt, dtype);
        infer = static_cast<int>(i);
      } else if (s.is_fixed() && s.value == 0 && !allow_zero) {
        if (x == nullptr || i >= x->size()) return Set(node, 0, std::nullopt, dtype);
        out[i] = (*x)[i];
      } else if (Known(s) && s.value < -1) {
        return Set(node, 0, std::nullopt, dtype);
      } else {
        // A symbol taken from a Shape is a size (>= 0); zero would mean "copy" only in the
        // degenerate empty case, where every shape is equivalent anyway.
        out[i] = s;
      }
    }
    if (infer >= 0) {
      out[infer] = Fresh();
      if (x != nullptr) {
        // total(x) / product(other out dims), cancelling common symbols.
        int64_t num = 1, den = 1;
        std::multiset<std::string> syms;
        bool ok = true;
        for (const Dim& d : *x) {
          if (d.is_fixed()) {
            num *= d.value;
          } else {
            syms.insert(d.symbol);
          }
        }
        for (size_t i = 0; i < out.size() && ok; ++i) {
          if (static_cast<int>(i) == infer) continue;
          if (out[i].is_fixed()) {
            den *= out[i].value;
          } else {
            auto it = syms.find(out[i].symbol);
            if (it == syms.end()) {
              ok = false;
            } else {
              syms.erase(it);
            }
          }
        }
        if (ok && den > 0 && num % den == 0) {
          if (syms.empty()) {
            out[infer] = Fixed(num / den);
          } else if (syms.size() == 1 && num == den) {
            for (const Dim& d : *x) {
              if (!d.is_fixed() && d.symbol == *syms.begin()) out[infer] = d;
            }
          }
        }
      }
    }
    Set(node, 0, out, dtype);
  }

  void InferTranspose(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    if (x == nullptr) return Set(node, 0, std::nullopt, dtype);
    std::vector<int64_t> perm;
    if (auto p = IntsAttr(node, "perm")) {
      perm = *p;
    } else {
      for (int64_t i = static_cast<int64_t>(x->size()) - 1; i >= 0; --i) perm.push_back(i);
    }
    if (perm.size() != x->size()) return Set(node, 0, std::nullopt, dtype);
    DimList out;
    for (int64_t p : perm) {
      int64_t a = NormalizeAxis(p, x->size());
      if (a < 0) return Set(node, 0, std::nullopt, dtype);
      out.push_back((*x)[a]);
    }
    Set(node, 0, out, dtype);
  }

  std::optional<std::vector<int64_t>> AxesOf(const Node& node, size_t input) {
    if (input < node.inputs.size() && !node.inputs[input].empty()) return ConstInts(node, input);
    return IntsAttr(node, "axes");
  }

  void InferSqueeze(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    if (x == nullptr) return Set(node, 0, std::nullopt, dtype);
    const bool has_axes_input = node.inputs.size() > 1 && !node.inputs[1].empty();
    std::optional<std::vector<int64_t>> axes = AxesOf(node, 1);
    if (has_axes_input && !axes) return Set(node, 0, std::nullopt, dtype);
    std::vector<bool> drop(x->size(), false);
    if (!axes || axes->empty()) {
      for (size_t i = 0; i < x->size(); ++i) {
        if (!(*x)[i].is_fixed()) return Set(node, 0, std::nullopt, dtype);
        drop[i] = (*x)[i].value == 1;
      }
    } else {
      for (int64_t a : *axes) {
        int64_t n = NormalizeAxis(a, x->size());
        if (n < 0) return Set(node, 0, std::nullopt, dtype);
        drop[n] = true;
      }
    }
    DimList out;
    for (size_t i = 0; i < x->size(); ++i) {
      if (!drop[i]) out.push_back((*x)[i]);
    }
    Set(node, 0, out, dtype);
    if (const DimList* v = ValueOf(node, 0); v != nullptr && out.empty() && v->size() == 1) {
      SetValue(node, 0, *v);
    }
  }

  void InferUnsqueeze(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    std::optional<std::vector<int64_t>> axes = AxesOf(node, 1);
    if (x == nullptr || !axes) return Set(node, 0, std::nullopt, dtype);
    const int64_t rank = static_cast<int64_t>(x->size() + axes->size());
    std::vector<bool> inserted(rank, false);
    for (int64_t a : *axes) {
      int64_t n = NormalizeAxis(a, rank);
      if (n < 0 || inserted[n]) return Set(node, 0, std::nullopt, dtype);
      inserted[n] = true;
    }
    DimList out;
    size_t next = 0;
    for (int64_t i = 0; i < rank; ++i) out.push_back(inserted[i] ? Fixed(1) : (*x)[next++]);
    Set(node, 0, out, dtype);
    if (const DimList* v = ValueOf(node, 0); v != nullptr && out.size() <= 1) {
      SetValue(node, 0, *v);
    }
  }

  void InferConcat(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* first = DimsOf(node, 0);
    if (first == nullptr) return Set(node, 0, std::nullopt, dtype);
    const int64_t axis = NormalizeAxis(IntAttr(node, "axis", 0), first->size());
    if (axis < 0) return Set(node, 0, std::nullopt, dtype);
    DimList out = *first;
    DimList parts;
    DimList value;
    bool tracked = first->size() == 1;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const DimList* d = DimsOf(node, i);
      if (d == nullptr || d->size() != first->size()) return Set(node, 0, std::nullopt, dtype);
      parts.push_back((*d)[axis]);
      const DimList* v = ValueOf(node, i);
      if (v == nullptr) {
        tracked = false;
      } else if (tracked) {
        value.insert(value.end(), v->begin(), v->end());
      }
    }
    int64_t total = 0;
    bool fixed = true;
    for (const Dim& p : parts) {
      fixed = fixed && p.is_fixed();
      if (p.is_fixed()) total += p.value;
    }
    out[axis] = fixed ? Fixed(total) : (parts.size() == 1 ? parts[0] : Fresh());
    Set(node, 0, out, dtype);
    if (tracked) SetValue(node, 0, value);
  }

  void InferSplit(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    const size_t n = node.outputs.size();
    auto unknown = [&] {
      for (size_t o = 0; o < n; ++o) Set(node, o, std::nullopt, dtype);
    };
    if (x == nullptr) return unknown();
    const int64_t axis = NormalizeAxis(IntAttr(node, "axis", 0), x->size());
    if (axis < 0) return unknown();
    std::optional<std::vector<int64_t>> split;
    if (node.inputs.size() > 1 && !node.inputs[1].empty()) {
      split = ConstInts(node, 1);
      if (!split) return unknown();
    } else {
      split = IntsAttr(node, "split");
    }
    const Dim& d = (*x)[axis];
    for (size_t o = 0; o < n; ++o) {
      DimList out = *x;
      if (split && split->size() == n) {
        out[axis] = Fixed((*split)[o]);
      } else if (!split && d.is_fixed() && d.value % static_cast<int64_t>(n) == 0) {
        out[axis] = Fixed(d.value / static_cast<int64_t>(n));
      } else {
        out[axis] = Fresh();
      }
      Set(node, o, out, dtype);
    }
  }

  void InferSlice(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    if (x == nullptr) return Set(node, 0, std::nullopt, dtype);
    const int64_t rank = static_cast<int64_t>(x->size());
    std::optional<DimList> starts, ends;
    std::optional<std::vector<int64_t>> axes, steps;
    auto as_dims = [](const std::vector<int64_t>& v) {
      DimList d;
      for (int64_t e : v) d.push_back(Fixed(e));
      return d;
    };
    if (node.inputs.size() >= 3) {  // opset 10+: inputs
      if (auto s = ConstInts(node, 1)) starts = as_dims(*s);
      if (auto e = ConstInts(node, 2)) {
        ends = as_dims(*e);
      } else if (const DimList* v = ValueOf(node, 2)) {
        ends = *v;
      }
      if (node.inputs.size() > 3 && !node.inputs[3].empty()) {
        axes = ConstInts(node, 3);
        if (!axes) return Set(node, 0, std::nullopt, dtype);
      }
      if (node.inputs.size() > 4 && !node.inputs[4].empty()) {
        steps = ConstInts(node, 4);
        if (!steps) return Set(node, 0, std::nullopt, dtype);
      }
    } else {
      if (auto s = IntsAttr(node, "starts")) starts = as_dims(*s);
      if (auto e = IntsAttr(node, "ends")) ends = as_dims(*e);
      axes = IntsAttr(node, "axes");
    }
    if (!starts || !ends || starts->size() != ends->size()) {
      return Set(node, 0, std::nullopt, dtype);
    }
    const size_t n = starts->size();
    if (!axes) {
      axes = std::vector<int64_t>();
      for (size_t i = 0; i < n; ++i) axes->push_back(static_cast<int64_t>(i));
    }
    if (!steps) steps = std::vector<int64_t>(n, 1);
    if (axes->size() != n || steps->size() != n) return Set(node, 0, std::nullopt, dtype);
    DimList out = *x;
    for (size_t i = 0; i < n; ++i) {
      const int64_t axis = NormalizeAxis((*axes)[i], rank);
      const int64_t step = (*steps)[i];
      if (axis < 0 || step == 0) return Set(node, 0, std::nullopt, dtype);
      const Dim& dim = (*x)[axis];
      const Dim& s = (*starts)[i];
      const Dim& e = (*ends)[i];
      if (dim.is_fixed() && Known(s) && Known(e)) {
        out[axis] = Fixed(SliceLength(dim.value, s.value, e.value, step));
      } else if (IsFixed(s, 0) && step == 1 &&
                 ((e.is_fixed() && e.value >= std::numeric_limits<int32_t>::max()) ||
                  SameDim(e, dim))) {
        out[axis] = dim;
      } else {
        out[axis] = Fresh();
      }
    }
    Set(node, 0, out, dtype);
    // Slicing a tracked vector.
    const DimList* v = ValueOf(node, 0);
    if (v != nullptr && rank == 1 && n == 1 && (*x)[0].is_fixed() && Known((*starts)[0]) &&
        Known((*ends)[0]) && (*steps)[0] > 0) {
      int64_t len = static_cast<int64_t>(v->size());
      int64_t st = (*starts)[0].value, en = (*ends)[0].value;
      if (st < 0) st += len;
      if (en < 0) en += len;
      st = std::clamp<int64_t>(st, 0, len);
      en = std::clamp<int64_t>(en, 0, len);
      DimList sliced;
      for (int64_t k = st; k < en; k += (*steps)[0]) sliced.push_back((*v)[k]);
      SetValue(node, 0, sliced);
    }
  }

  static int64_t SliceLength(int64_t dim, int64_t start, int64_t end, int64_t step) {
    if (step > 0) {
      if (start < 0) start += dim;
      if (end < 0) end += dim;
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      return end > start ? (end - start + step - 1) / step : 0;
    }
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    return start > end ? (start - end + (-step) - 1) / (-step) : 0;
  }

  void InferGather(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* data = DimsOf(node, 0);
    const DimList* idx = DimsOf(node, 1);
    if (data == nullptr || idx == nullptr) return Set(node, 0, std::nullopt, dtype);
    const int64_t axis = NormalizeAxis(IntAttr(node, "axis", 0), data->size());
    if (axis < 0) return Set(node, 0, std::nullopt, dtype);
    DimList out(data->begin(), data->begin() + axis);
    out.insert(out.end(), idx->begin(), idx->end());
    out.insert(out.end(), data->begin() + axis + 1, data->end());
    Set(node, 0, out, dtype);
    const DimList* v = ValueOf(node, 0);
    std::optional<std::vector<int64_t>> indices = ConstInts(node, 1);
    if (v == nullptr || !indices || data->size() != 1 || idx->size() > 1) return;
    DimList picked;
    for (int64_t i : *indices) {
      int64_t n = NormalizeAxis(i, v->size());
      if (n < 0) return;
      picked.push_back((*v)[n]);
    }
    SetValue(node, 0, picked);
  }

  void InferShapeOp(const Node& node) {
    const DimList* x = DimsOf(node, 0);
    if (x == nullptr) return Set(node, 0, std::nullopt, DataType::kInt64);
    const int64_t rank = static_cast<int64_t>(x->size());
    int64_t start = IntAttr(node, "start", 0), end = IntAttr(node, "end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
    DimList value(x->begin() + start, x->begin() + std::max(start, end));
    Set(node, 0, DimList{Fixed(static_cast<int64_t>(value.size()))}, DataType::kInt64);
    SetValue(node, 0, value);
  }

  void InferReduce(const Node& node) {
    const bool arg = node.op_type == "ArgMax" || node.op_type == "ArgMin";
    const DataType dtype = arg ? DataType::kInt64 : TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    if (x == nullptr) return Set(node, 0, std::nullopt, dtype);
    const bool keep = IntAttr(node, "keepdims", 1) != 0;
    std::vector<bool> reduced(x->size(), false);
    if (arg) {
      int64_t a = NormalizeAxis(IntAttr(node, "axis", 0), x->size());
      if (a < 0) return Set(node, 0, std::nullopt, dtype);
      reduced[a] = true;
    } else {
      const bool has_axes_input = node.inputs.size() > 1 && !node.inputs[1].empty();
      std::optional<std::vector<int64_t>> axes = AxesOf(node, 1);
      if (has_axes_input && !axes) return Set(node, 0, std::nullopt, dtype);
      if (!axes || axes->empty()) {
        if (IntAttr(node, "noop_with_empty_axes", 0) != 0) return Set(node, 0, *x, dtype);
        reduced.assign(x->size(), true);
      } else {
        for (int64_t a : *axes) {
          int64_t n = NormalizeAxis(a, x->size());
          if (n < 0) return Set(node, 0, std::nullopt, dtype);
          reduced[n] = true;
        }
      }
    }
    DimList out;
    for (size_t i = 0; i < x->size(); ++i) {
      if (!reduced[i]) {
        out.push_back((*x)[i]);
      } else if (keep) {
        out.push_back(Fixed(1));
      }
    }
    Set(node, 0, out, dtype);
  }

  void InferExpand(const Node& node) {
    const DataType dtype = TypeOf(node, 0);
    const DimList* x = DimsOf(node, 0);
    const DimList* shape = ValueOf(node, 1);
    if (x == nullptr || shape == nullptr) return Set(node, 0, std::nullopt, dtype);
    Set(node, 0, Broadcast(*x, *shape), dtype);
  }

  void InferConstantOfShape(const Node& node) {
    DataType dtype = DataType::kFloat;
    if (const Attribute* a = node.FindAttribute("value"); a != nullptr && a->t) {
      dtype = a->t->dtype();
    }
    const DimList* shape = ValueOf(node, 0);
    Set(node, 0, shape ? std::optional<DimList>(*shape) : std::nullopt, dtype);
  }

  void InferConstant(const Node& node) {
    if (const Attribute* a = node.FindAttribute("value"); a != nullptr && a->t) {
      DimList dims;
      for (int64_t d : a->t->shape()) dims.push_back(Fixed(d));
      Set(node, 0, dims, a->t->dtype());
      if (!node.outputs[0].empty()) TrackConstant(node.outputs[0], *a->t);
      return;
    }
    if (node.FindAttribute("value_float") != nullptr) {
      return Set(node, 0, DimList{}, DataType::kFloat);
    }
    if (const Attribute* a = node.FindAttribute("value_floats")) {
      return Set(node, 0, DimList{Fixed(static_cast<int64_t>(a->floats.size()))},
                 DataType::kFloat);
    }
    if (const Attribute* a = node.FindAttribute("value_int")) {
      Set(node, 0, DimList{}, DataType::kInt64);
      signed_constants_[node.outputs[0]] = {a->i};
      return SetValue(node, 0, {Fixed(a->i)});
    }
    if (const Attribute* a = node.FindAttribute("value_ints")) {
      Set(node, 0, DimList{Fixed(static_cast<int64_t>(a->ints.size()))}, DataType::kInt64);
      signed_constants_[node.outputs[0]] = a->ints;
      DimList v;
      for (int64_t x : a->ints) v.push_back(Fixed(x));
      return SetValue(node, 0, v);
    }
  }

  const Graph& graph_;
  ShapeInfo& out_;
  int next_symbol_ = 0;
  std::map<std::string, DimList> int_values_;
  std::map<std::string, std::vector<int64_t>> signed_constants_;
};

ShapeInfo ShapeInfo::Infer(const Graph& graph) {
  ShapeInfo info;
  Builder(graph, info).Run();
  return info;
}

const DimList* ShapeInfo::Shape(const std::string& value) const {
  auto it = values_.find(value);
  return it == values_.end() || !it->second.dims ? nullptr : &*it->second.dims;
}

int ShapeInfo::Rank(const std::string& value) const {
  const DimList* d = Shape(value);
  return d == nullptr ? -1 : static_cast<int>(d->size());
}

DataType ShapeInfo::Type(const std::string& value) const {
  auto it = values_.find(value);
  return it == values_.end() ? DataType::kUndefined : it->second.dtype;
}

bool ShapeInfo::SameDim(const Dim& a, const Dim& b) {
  if (a.is_fixed() || b.is_fixed()) return a.is_fixed() && b.is_fixed() && a.value == b.value;
  return !a.symbol.empty() && a.symbol == b.symbol;
}

bool ShapeInfo::SameShape(const std::string& a, const std::string& b) const {
  const DimList* x = Shape(a);
  const DimList* y = Shape(b);
  if (x == nullptr || y == nullptr || x->size() != y->size()) return false;
  for (size_t i = 0; i < x->size(); ++i) {
    if (!SameDim((*x)[i], (*y)[i])) return false;
  }
  return true;
}

bool ShapeInfo::BroadcastsTo(const DimList& operand, const DimList& target) {
  if (operand.size() > target.size()) return false;
  const size_t offset = target.size() - operand.size();
  for (size_t i = 0; i < operand.size(); ++i) {
    const Dim& d = operand[i];
    if (IsFixed(d, 1)) continue;
    if (!SameDim(d, target[offset + i])) return false;
  }
  return true;
}

bool ShapeInfo::BroadcastsTo(const std::string& operand, const std::string& target) const {
  const DimList* x = Shape(operand);
  const DimList* y = Shape(target);
  return x != nullptr && y != nullptr && BroadcastsTo(*x, *y);
}

}  // namespace berth::engine
