#include "engine/kernels/math/einsum_general.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/status_macros.h"
#include "engine/kernels/math/matmul_util.h"
#include "engine/kernels/math/reduce_util.h"

namespace berth::engine {
namespace {

bool Contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// An intermediate operand of the general path: row-major data with one label per dim.
template <typename T>
struct Operand {
  std::vector<T> storage;  // empty while `data` still points into an input
  const T* data = nullptr;
  Shape dims;
  std::vector<int> labels;
};

template <typename T>
Operand<T> Own(std::vector<T> values, Shape dims, std::vector<int> labels) {
  Operand<T> op;
  op.storage = std::move(values);
  op.data = op.storage.data();
  op.dims = std::move(dims);
  op.labels = std::move(labels);
  return op;
}

Shape RowMajorStrides(const Shape& dims) {
  Shape s(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

// Copies `src` viewed through `strides` (one per dim of `dims`) into row-major order.
template <typename T>
std::vector<T> Gather(const T* src, const Shape& dims, const Shape& strides) {
  std::vector<T> out(NumElementsOf(dims));
  const int r = static_cast<int>(dims.size());
  for (int64_t e = 0; e < static_cast<int64_t>(out.size()); ++e) {
    int64_t rem = e, off = 0;
    for (int d = r - 1; d >= 0; --d) {
      off += (rem % dims[d]) * strides[d];
      rem /= dims[d];
    }
    out[e] = src[off];
  }
  return out;
}

// Merges repeated labels of one operand into their diagonal.
template <typename T>
Operand<T> Diagonal(Operand<T> op) {
  std::vector<int> labels;
  Shape dims, strides;
  const Shape in_strides = RowMajorStrides(op.dims);
  for (size_t d = 0; d < op.labels.size(); ++d) {
    auto it = std::find(labels.begin(), labels.end(), op.labels[d]);
    if (it == labels.end()) {
      labels.push_back(op.labels[d]);
      dims.push_back(op.dims[d]);
      strides.push_back(in_strides[d]);
    } else {
      strides[it - labels.begin()] += in_strides[d];
    }
  }
  if (labels.size() == op.labels.size()) return op;
  return Own(Gather(op.data, dims, strides), dims, labels);
}

// Sums `op` over the labels for which drop(label) is true.
template <typename T, typename Drop>
Operand<T> SumOut(Operand<T> op, Drop&& drop) {
  std::vector<bool> mask(op.labels.size());
  bool any = false;
  for (size_t d = 0; d < op.labels.size(); ++d) any |= (mask[d] = drop(op.labels[d]));
  if (!any) return op;
  ReducePlan plan = MakeReducePlan(op.dims, mask, false);
  std::vector<T> out(plan.out_count, T(0));
  ForEachReduceRun(plan, [&](int64_t in, int64_t o, int64_t len, int64_t in_step, int64_t o_step) {
    for (int64_t j = 0; j < len; ++j) out[o + j * o_step] += op.data[in + j * in_step];
  });
  std::vector<int> labels;
  for (size_t d = 0; d < op.labels.size(); ++d) {
    if (!mask[d]) labels.push_back(op.labels[d]);
  }
  return Own(std::move(out), plan.out_shape, labels);
}

// Reorders `op`'s dims to `order` (a permutation of its labels).
template <typename T>
Operand<T> Permute(Operand<T> op, const std::vector<int>& order) {
  if (order == op.labels) return op;
  const Shape in_strides = RowMajorStrides(op.dims);
  Shape dims, strides;
  for (int l : order) {
    const size_t d = std::find(op.labels.begin(), op.labels.end(), l) - op.labels.begin();
    dims.push_back(op.dims[d]);
    strides.push_back(in_strides[d]);
  }
  return Own(Gather(op.data, dims, strides), dims, order);
}

template <typename T>
int64_t SizeOf(const Operand<T>& op, int label) {
  for (size_t d = 0; d < op.labels.size(); ++d) {
    if (op.labels[d] == label) return op.dims[d];
  }
  return 1;
}

// Contracts a and b over their shared labels not in `keep`, as one batched matmul.
template <typename T>
absl::StatusOr<Operand<T>> Contract(absl::string_view label, Operand<T> a, Operand<T> b,
                                    const std::vector<int>& keep) {
  a = SumOut(std::move(a), [&](int l) { return !Contains(keep, l) && !Contains(b.labels, l); });
  b = SumOut(std::move(b), [&](int l) { return !Contains(keep, l) && !Contains(a.labels, l); });
  // A contracted label broadcast from 1 on one side: both sides sum over it first.
  std::vector<int> broadcast;
  for (int l : a.labels) {
    if (Contains(b.labels, l) && !Contains(keep, l) && SizeOf(a, l) != SizeOf(b, l)) {
      broadcast.push_back(l);
    }
  }
  a = SumOut(std::move(a), [&](int l) { return Contains(broadcast, l); });
  b = SumOut(std::move(b), [&](int l) { return Contains(broadcast, l); });
  std::vector<int> batch, a_only, b_only, inner;
  for (int l : a.labels) {
    if (!Contains(b.labels, l)) {
      a_only.push_back(l);
    } else {
      (Contains(keep, l) ? batch : inner).push_back(l);
    }
  }
  for (int l : b.labels) {
    if (!Contains(a.labels, l)) b_only.push_back(l);
  }
  auto concat = [](std::vector<int> x, const std::vector<int>& y) {
    x.insert(x.end(), y.begin(), y.end());
    return x;
  };
  a = Permute(std::move(a), concat(concat(batch, a_only), inner));
  b = Permute(std::move(b), concat(concat(batch, inner), b_only));
  auto product = [](const Operand<T>& op, const std::vector<int>& ls) {
    int64_t n = 1;
    for (int l : ls) n *= SizeOf(op, l);
    return n;
  };
  Shape a_shape, b_shape, dims;
  for (int l : batch) {
    a_shape.push_back(SizeOf(a, l));
    b_shape.push_back(SizeOf(b, l));
    dims.push_back(std::max(SizeOf(a, l), SizeOf(b, l)));
  }
  a_shape.insert(a_shape.end(), {product(a, a_only), product(a, inner)});
  b_shape.insert(b_shape.end(), {product(b, inner), product(b, b_only)});
  ASSIGN_OR_RETURN(MatMulGeometry g, ComputeMatMulGeometry(label, a_shape, b_shape, false, false));
  std::vector<T> out(NumElementsOf(g.full_output));
  PlainMatMul(a.data, b.data, out.data(), g, false, false);
  for (int l : a_only) dims.push_back(SizeOf(a, l));
  for (int l : b_only) dims.push_back(SizeOf(b, l));
  return Own(std::move(out), dims, concat(concat(batch, a_only), b_only));
}

}  // namespace

template <typename T>
absl::Status GeneralEinsum(absl::string_view label, const EinsumProblem& p,
                           const std::vector<const Tensor*>& inputs, Tensor* y) {
  std::vector<Operand<T>> ops(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    ops[i].data = inputs[i]->data<T>();
    ops[i].dims = inputs[i]->shape();
    ops[i].labels = p.input_labels[i];
    ops[i] = Diagonal(std::move(ops[i]));
  }
  Operand<T> cur = std::move(ops[0]);
  for (size_t i = 1; i < ops.size(); ++i) {
    std::vector<int> keep = p.output_labels;
    for (size_t j = i + 1; j < ops.size(); ++j) {
      keep.insert(keep.end(), ops[j].labels.begin(), ops[j].labels.end());
    }
    ASSIGN_OR_RETURN(cur, Contract(label, std::move(cur), std::move(ops[i]), keep));
  }
  cur = SumOut(std::move(cur), [&](int l) { return !Contains(p.output_labels, l); });
  // Output labels the operands broadcast (size 1 everywhere they appear) keep stride 0.
  const Shape in_strides = RowMajorStrides(cur.dims);
  Shape strides;
  for (int l : p.output_labels) {
    const auto it = std::find(cur.labels.begin(), cur.labels.end(), l);
    const size_t d = it - cur.labels.begin();
    strides.push_back(it == cur.labels.end() || cur.dims[d] == 1 ? 0 : in_strides[d]);
  }
  std::vector<T> out = Gather(cur.data, y->shape(), strides);
  std::copy(out.begin(), out.end(), y->data<T>());
  return absl::OkStatus();
}

template absl::Status GeneralEinsum<float>(absl::string_view, const EinsumProblem&,
                                           const std::vector<const Tensor*>&, Tensor*);
template absl::Status GeneralEinsum<double>(absl::string_view, const EinsumProblem&,
                                            const std::vector<const Tensor*>&, Tensor*);
template absl::Status GeneralEinsum<int32_t>(absl::string_view, const EinsumProblem&,
                                             const std::vector<const Tensor*>&, Tensor*);
template absl::Status GeneralEinsum<int64_t>(absl::string_view, const EinsumProblem&,
                                             const std::vector<const Tensor*>&, Tensor*);
template absl::Status GeneralEinsum<uint32_t>(absl::string_view, const EinsumProblem&,
                                              const std::vector<const Tensor*>&, Tensor*);
template absl::Status GeneralEinsum<uint64_t>(absl::string_view, const EinsumProblem&,
                                              const std::vector<const Tensor*>&, Tensor*);

}  // namespace berth::engine
