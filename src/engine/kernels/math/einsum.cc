// Einsum (opset 12). An equation that is one (batched) matrix product of two operands, with
// or without transposes, runs directly on the inputs (float32 on oneDNN). Anything else
// takes the general path of einsum_general.h.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/math/dnnl_matmul.h"
#include "engine/kernels/math/einsum_equation.h"
#include "engine/kernels/math/einsum_general.h"
#include "engine/kernels/math/math_kernels.h"
#include "engine/kernels/math/math_util.h"
#include "engine/kernels/math/matmul_util.h"

namespace berth::engine {
namespace {

bool Contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Transposes of a product recognised by MatchMatMul.
struct MatMulForm {
  bool trans_a = false, trans_b = false;
  Shape a_shape, b_shape;  // inputs seen as [batch..., rows, cols]
};

// Recognises out[batch, m, n] = sum_k a[batch, m|k, k|m] * b[batch, k|n, n|k] with each
// group of labels contiguous and in the same order everywhere.
std::optional<MatMulForm> MatchMatMul(const EinsumProblem& p) {
  if (p.input_labels.size() != 2) return std::nullopt;
  const auto& la = p.input_labels[0];
  const auto& lb = p.input_labels[1];
  const auto& lo = p.output_labels;
  std::vector<int> batch, m, n, k;
  for (int l : lo) {
    const bool in_a = Contains(la, l), in_b = Contains(lb, l);
    (in_a && in_b ? batch : in_a ? m : n).push_back(l);
  }
  for (int l : la) {
    if (Contains(lb, l) && !Contains(lo, l)) k.push_back(l);
  }
  auto concat = [](std::vector<int> x, const std::vector<int>& y) {
    x.insert(x.end(), y.begin(), y.end());
    return x;
  };
  if (lo != concat(concat(batch, m), n)) return std::nullopt;
  MatMulForm f;
  if (la == concat(concat(batch, k), m) && !(m.empty() || k.empty())) {
    f.trans_a = true;
  } else if (la != concat(concat(batch, m), k)) {
    return std::nullopt;
  }
  if (lb == concat(concat(batch, n), k) && !(n.empty() || k.empty())) {
    f.trans_b = true;
  } else if (lb != concat(concat(batch, k), n)) {
    return std::nullopt;
  }
  auto size = [&](const std::vector<int>& ls) {
    int64_t s = 1;
    for (int l : ls) s *= p.label_size[l];
    return s;
  };
  for (int l : batch) {
    f.a_shape.push_back(p.label_size[l]);
    f.b_shape.push_back(p.label_size[l]);
  }
  const int64_t M = size(m), N = size(n), K = size(k);
  f.a_shape.insert(f.a_shape.end(), {f.trans_a ? K : M, f.trans_a ? M : K});
  f.b_shape.insert(f.b_shape.end(), {f.trans_b ? N : K, f.trans_b ? K : N});
  return f;
}

// The input shapes must carry no broadcasting for the direct product.
bool ShapesExact(const EinsumProblem& p, const std::vector<const Tensor*>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t d = 0; d < p.input_labels[i].size(); ++d) {
      if (inputs[i]->dim(static_cast<int>(d)) != p.label_size[p.input_labels[i][d]]) return false;
    }
  }
  return true;
}

template <typename Fn>
bool VisitEinsumTypes(DataType t, Fn&& fn) {
  switch (t) {
    case DataType::kFloat: fn(float{}); return true;
    case DataType::kDouble: fn(double{}); return true;
    case DataType::kInt32: fn(int32_t{}); return true;
    case DataType::kInt64: fn(int64_t{}); return true;
    case DataType::kUint32: fn(uint32_t{}); return true;
    case DataType::kUint64: fn(uint64_t{}); return true;
    default: return false;
  }
}

class EinsumKernel : public Kernel {
 public:
  EinsumKernel(std::string label, EinsumEquation eq, std::vector<std::unique_ptr<DnnlMatMul>> dnnl)
      : label_(std::move(label)), eq_(std::move(eq)), dnnl_(std::move(dnnl)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    std::vector<const Tensor*> inputs;
    std::vector<const Shape*> shapes;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor* t = ctx.input(i);
      if (t == nullptr) return NodeError(label_, absl::StrCat("input ", i, " is missing"));
      if (t->dtype() != ctx.input(0)->dtype()) return NodeError(label_, "inputs differ in type");
      inputs.push_back(t);
      shapes.push_back(&t->shape());
    }
    if (inputs.empty()) return NodeError(label_, "needs at least one input");
    ASSIGN_OR_RETURN(EinsumProblem p, ResolveEinsum(label_, eq_, shapes));
    Shape out_shape;
    for (int l : p.output_labels) out_shape.push_back(p.label_size[l]);
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, out_shape));
    const DataType type = inputs[0]->dtype();
    std::optional<MatMulForm> form;
    if (ShapesExact(p, inputs)) form = MatchMatMul(p);
    if (form) {
      ASSIGN_OR_RETURN(MatMulGeometry g, ComputeMatMulGeometry(label_, form->a_shape, form->b_shape,
                                                               form->trans_a, form->trans_b));
      if (type == DataType::kFloat) {
        const DnnlMatMul& mm = *dnnl_[(form->trans_a ? 2 : 0) + (form->trans_b ? 1 : 0)];
        return mm.Run(ctx, g, *inputs[0], inputs[1], nullptr, nullptr, y);
      }
    }
    absl::Status status;
    bool ok = VisitEinsumTypes(type, [&](auto tag) {
      using T = decltype(tag);
      if (y->num_elements() == 0) return;
      if (form) {
        absl::StatusOr<MatMulGeometry> g = ComputeMatMulGeometry(
            label_, form->a_shape, form->b_shape, form->trans_a, form->trans_b);
        if (!g.ok()) {
          status = g.status();
          return;
        }
        PlainMatMul(inputs[0]->data<T>(), inputs[1]->data<T>(), y->data<T>(), *g, form->trans_a,
                    form->trans_b);
        return;
      }
      status = GeneralEinsum<T>(label_, p, inputs, y);
    });
    if (!ok) return NodeError(label_, "unsupported type " + DataTypeName(type));
    return status;
  }

 private:
  std::string label_;
  EinsumEquation eq_;
  std::vector<std::unique_ptr<DnnlMatMul>> dnnl_;  // by trans_a * 2 + trans_b
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateEinsum(KernelInfo& info) {
  std::string label = NodeLabel(info.node());
  ASSIGN_OR_RETURN(std::string equation, info.StringOr("equation", ""));
  if (equation.empty()) return info.Error("missing required attribute 'equation'");
  ASSIGN_OR_RETURN(EinsumEquation eq, ParseEinsumEquation(label, equation));
  if (static_cast<int>(eq.inputs.size()) != info.num_inputs()) {
    return info.Error(absl::StrCat("equation '", equation, "' has ", eq.inputs.size(),
                                   " input terms for ", info.num_inputs(), " inputs"));
  }
  std::vector<std::unique_ptr<DnnlMatMul>> dnnl;
  for (int t = 0; t < 4; ++t) {
    DnnlMatMul::Options opt;
    opt.trans_a = t >= 2;
    opt.trans_b = t % 2 == 1;
    ASSIGN_OR_RETURN(std::unique_ptr<DnnlMatMul> mm, DnnlMatMul::Create(label, opt, nullptr));
    dnnl.push_back(std::move(mm));
  }
  return std::unique_ptr<Kernel>(
      new EinsumKernel(std::move(label), std::move(eq), std::move(dnnl)));
}

}  // namespace

absl::Status RegisterEinsum(KernelRegistry& registry) {
  const std::vector<DataType> types = {DataType::kFloat, DataType::kDouble, DataType::kInt32,
                                       DataType::kInt64, DataType::kUint32, DataType::kUint64};
  return registry.Register({"", "Einsum", 12, 21, 0, types, CreateEinsum});
}

}  // namespace berth::engine
