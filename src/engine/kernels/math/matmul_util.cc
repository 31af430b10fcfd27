#include "engine/kernels/math/matmul_util.h"

#include "absl/strings/str_cat.h"

namespace berth::engine {

absl::StatusOr<MatMulGeometry> ComputeMatMulGeometry(absl::string_view label,
                                                     absl::Span<const int64_t> a,
                                                     absl::Span<const int64_t> b, bool trans_a,
                                                     bool trans_b) {
  if (a.empty() || b.empty()) {
    return NodeError(label, "MatMul operands must have rank >= 1, got a scalar");
  }
  MatMulGeometry g;
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  int64_t a_rows = a_vec ? 1 : a[a.size() - 2], a_cols = a.back();
  int64_t b_rows = b_vec ? b[0] : b[b.size() - 2], b_cols = b_vec ? 1 : b.back();
  if (trans_a && !a_vec) std::swap(a_rows, a_cols);
  if (trans_b && !b_vec) std::swap(b_rows, b_cols);
  if (a_cols != b_rows) {
    return NodeError(
        label, absl::StrCat("inner dimensions differ: A is ", ShapeToString(a), " and B is ",
                            ShapeToString(b), trans_a || trans_b ? " (after transposes)" : ""));
  }
  g.m = a_rows;
  g.k = a_cols;
  g.n = b_cols;
  const size_t a_nb = a_vec ? 0 : a.size() - 2, b_nb = b_vec ? 0 : b.size() - 2;
  const size_t nb = std::max(a_nb, b_nb);
  g.a_batch.assign(nb, 1);
  g.b_batch.assign(nb, 1);
  for (size_t i = 0; i < a_nb; ++i) g.a_batch[nb - a_nb + i] = a[i];
  for (size_t i = 0; i < b_nb; ++i) g.b_batch[nb - b_nb + i] = b[i];
  g.batch.resize(nb);
  for (size_t i = 0; i < nb; ++i) {
    int64_t x = g.a_batch[i], y = g.b_batch[i];
    if (x != y && x != 1 && y != 1) {
      return NodeError(label, absl::StrCat("batch dimensions do not broadcast: A is ",
                                           ShapeToString(a), " and B is ", ShapeToString(b)));
    }
    g.batch[i] = x == 1 ? y : x;
  }
  g.a_batch_stride.assign(nb, 0);
  g.b_batch_stride.assign(nb, 0);
  int64_t as = 1, bs = 1;
  for (int i = static_cast<int>(nb) - 1; i >= 0; --i) {
    g.a_batch_stride[i] = g.a_batch[i] == 1 ? 0 : as;
    g.b_batch_stride[i] = g.b_batch[i] == 1 ? 0 : bs;
    as *= g.a_batch[i];
    bs *= g.b_batch[i];
  }
  g.batch_count = NumElementsOf(g.batch);
  g.a_vector = a_vec;
  g.b_vector = b_vec;
  g.full_output = g.batch;
  g.full_output.push_back(g.m);
  g.full_output.push_back(g.n);
  g.output = g.batch;
  if (!a_vec) g.output.push_back(g.m);
  if (!b_vec) g.output.push_back(g.n);
  return g;
}

Shape ExpandToFullOutput(absl::Span<const int64_t> operand, const MatMulGeometry& g) {
  Shape padded(g.output.size() - operand.size(), 1);
  padded.insert(padded.end(), operand.begin(), operand.end());
  Shape full(padded.begin(), padded.begin() + g.batch.size());
  size_t next = g.batch.size();
  full.push_back(g.a_vector ? 1 : padded[next++]);
  full.push_back(g.b_vector ? 1 : padded[next++]);
  return full;
}

absl::Status CheckBroadcastableTo(absl::string_view label, absl::string_view what,
                                  absl::Span<const int64_t> operand,
                                  absl::Span<const int64_t> target) {
  bool ok = operand.size() <= target.size();
  for (size_t i = 0; ok && i < operand.size(); ++i) {
    int64_t d = operand[operand.size() - 1 - i];
    ok = d == 1 || d == target[target.size() - 1 - i];
  }
  if (!ok) {
    return NodeError(label, absl::StrCat(what, " of shape ", ShapeToString(operand),
                                         " does not broadcast to ", ShapeToString(target)));
  }
  return absl::OkStatus();
}

Shape BroadcastStrides(absl::Span<const int64_t> operand, absl::Span<const int64_t> target) {
  Shape strides(target.size(), 0);
  int64_t stride = 1;
  const size_t offset = target.size() - operand.size();
  for (int i = static_cast<int>(operand.size()) - 1; i >= 0; --i) {
    strides[offset + i] = operand[i] == 1 ? 0 : stride;
    stride *= operand[i];
  }
  return strides;
}

absl::StatusOr<Activation> ParseActivation(absl::string_view label, absl::string_view name) {
  if (name.empty()) return Activation::kNone;
  if (name == "Relu") return Activation::kRelu;
  if (name == "Gelu") return Activation::kGelu;
  if (name == "GeluTanh") return Activation::kGeluTanh;
  if (name == "Tanh") return Activation::kTanh;
  if (name == "Sigmoid") return Activation::kSigmoid;
  return NodeError(label, absl::StrCat("unknown activation '", name,
                                       "' (expected \"\", Relu, Gelu, GeluTanh, Tanh or Sigmoid)"));
}

}  // namespace berth::engine
