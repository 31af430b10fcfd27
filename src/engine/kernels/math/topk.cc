// TopK: the k largest (or smallest, opset 11+) values along `axis` and their int64 indices.
// k is an attribute in opset 1 and a one-element int64 input from opset 10. Results are
// always sorted; equal values keep the lower index first; NaN ranks above every number.
#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

template <typename C>
struct Candidate {
  C value;
  int64_t index;
};

// A strict weak order on values with NaN above everything.
template <typename C>
inline bool ValueGreater(C a, C b) {
  if (a != a) return b == b;
  if (b != b) return false;
  return a > b;
}

template <typename T>
void TopKLoop(const T* x, T* values, int64_t* indices, int64_t outer, int64_t d, int64_t inner,
              int64_t k, bool largest, void* scratch) {
  using C = ComputeT<T>;
  auto* cand = static_cast<Candidate<C>*>(scratch);
  auto before = [largest](const Candidate<C>& a, const Candidate<C>& b) {
    if (largest ? ValueGreater(a.value, b.value) : ValueGreater(b.value, a.value)) return true;
    if (largest ? ValueGreater(b.value, a.value) : ValueGreater(a.value, b.value)) return false;
    return a.index < b.index;
  };
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* line = x + o * d * inner + i;
      for (int64_t j = 0; j < d; ++j) cand[j] = {static_cast<C>(line[j * inner]), j};
      if (k < d) {
        std::nth_element(cand, cand + k, cand + d, before);
      }
      std::sort(cand, cand + k, before);
      const int64_t out = o * k * inner + i;
      for (int64_t j = 0; j < k; ++j) {
        values[out + j * inner] = line[cand[j].index * inner];
        indices[out + j * inner] = cand[j].index;
      }
    }
  }
}

class TopKKernel : public Kernel {
 public:
  TopKKernel(std::string label, int64_t axis, int64_t k_attr, bool k_from_input, bool largest)
      : label_(std::move(label)),
        axis_(axis),
        k_attr_(k_attr),
        k_from_input_(k_from_input),
        largest_(largest) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return NodeError(label_, "input X is required");
    int64_t k = k_attr_;
    if (k_from_input_) {
      const Tensor* kt = ctx.num_inputs() > 1 ? ctx.input(1) : nullptr;
      if (kt == nullptr) return NodeError(label_, "input K is required");
      ASSIGN_OR_RETURN(std::vector<int64_t> kv, ReadIntList(label_, "K", *kt));
      if (kv.size() != 1) return NodeError(label_, "K must hold exactly one value");
      k = kv[0];
    }
    ASSIGN_OR_RETURN(int axis, NormalizeAxis(label_, axis_, x->rank()));
    const int64_t d = x->dim(axis);
    if (k < 0 || k > d) {
      return NodeError(label_, absl::StrCat("k = ", k, " is outside [0, ", d, "] for axis ", axis,
                                            " of ", ShapeToString(x->shape())));
    }
    Shape out_shape = x->shape();
    out_shape[axis] = k;
    ASSIGN_OR_RETURN(Tensor * values, ctx.Output(0, out_shape));
    ASSIGN_OR_RETURN(Tensor * indices, ctx.OutputWithType(1, DataType::kInt64, out_shape));
    if (values->num_elements() == 0) return absl::OkStatus();
    const int64_t outer = DimProduct(x->shape(), 0, axis);
    const int64_t inner = DimProduct(x->shape(), axis + 1, x->rank());
    bool no_memory = false;
    bool ok = VisitAllNumericTypes(x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      void* scratch = ctx.Scratch(d * sizeof(Candidate<ComputeT<T>>));
      if (scratch == nullptr) {
        no_memory = true;
        return;
      }
      TopKLoop(x->data<T>(), values->data<T>(), indices->data<int64_t>(), outer, d, inner, k,
               largest_, scratch);
    });
    if (no_memory) return absl::ResourceExhaustedError(label_ + ": no scratch memory");
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(x->dtype()));
    return absl::OkStatus();
  }

 private:
  std::string label_;
  int64_t axis_;
  int64_t k_attr_;
  bool k_from_input_;
  bool largest_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateTopK(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t axis, info.IntOr("axis", -1));
  ASSIGN_OR_RETURN(int64_t largest, info.IntOr("largest", 1));
  ASSIGN_OR_RETURN(int64_t sorted, info.IntOr("sorted", 1));
  (void)sorted;  // results are always sorted, which every value of `sorted` permits
  int64_t k = 0;
  const bool k_from_input = info.opset() >= 10;
  if (!k_from_input) {
    ASSIGN_OR_RETURN(k, info.RequiredInt("k"));
  }
  SetOutputType(info, 1, DataType::kInt64);
  return std::unique_ptr<Kernel>(
      new TopKKernel(NodeLabel(info.node()), axis, k, k_from_input, largest != 0));
}

}  // namespace

absl::Status RegisterTopK(KernelRegistry& registry) {
  return registry.Register({"", "TopK", 1, 21, 0, AllNumericTypes(), CreateTopK});
}

}  // namespace berth::engine
