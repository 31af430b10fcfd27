#include <string>
#include <vector>

#include "engine/kernels/rnn/rnn_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct GruCase {
  std::string name = "";
  std::string direction = "forward";
  int64_t layout = 0;
  bool bias = true;
  bool initial_h = false;
  std::vector<int32_t> lens = {};  // empty: no sequence_lens input
  float clip = 0;
  std::vector<std::string> activations = {};  // attribute; empty: absent
  std::vector<float> alphas = {};
  std::vector<float> betas = {};
  std::vector<RefActivation> expected_acts = {};  // f, g per direction
  bool linear_before_reset = false;
  int opset = 14;
};

constexpr int64_t kT = 3, kB = 3, kI = 3, kH = 4;

// The ONNX equations, one batch entry at a time, in time-major layout.
void Reference(const GruCase& c, int dirs, const std::vector<double>& x,
               const std::vector<double>& w, const std::vector<double>& r,
               const std::vector<double>& b, const std::vector<double>& h0,
               std::vector<double>* y, std::vector<double>* y_h) {
  y->assign(kT * dirs * kB * kH, 0.0);
  y_h->assign(dirs * kB * kH, 0.0);
  for (int d = 0; d < dirs; ++d) {
    const bool reverse = c.direction == "reverse" || d == 1;
    for (int64_t bi = 0; bi < kB; ++bi) {
      const int64_t len = c.lens.empty() ? kT : c.lens[bi];
      std::vector<double> h(kH, 0.0);
      if (!h0.empty()) std::copy_n(h0.begin() + (d * kB + bi) * kH, kH, h.begin());
      const RefActivation& f = c.expected_acts[2 * d];
      const RefActivation& g = c.expected_acts[2 * d + 1];
      // Gate j of kind k (0 z, 1 r, 2 h): x * W + (optionally) state * R, biases apart.
      auto xw = [&](int64_t t, int k, int64_t j) {
        double a = 0;
        for (int64_t i = 0; i < kI; ++i) {
          a += x[(t * kB + bi) * kI + i] * w[((d * 3 + k) * kH + j) * kI + i];
        }
        return a;
      };
      auto sr = [&](const std::vector<double>& state, int k, int64_t j) {
        double a = 0;
        for (int64_t m = 0; m < kH; ++m) a += state[m] * r[((d * 3 + k) * kH + j) * kH + m];
        return a;
      };
      auto wb = [&](int k, int64_t j) { return b.empty() ? 0.0 : b[d * 6 * kH + k * kH + j]; };
      auto rb = [&](int k, int64_t j) {
        return b.empty() ? 0.0 : b[d * 6 * kH + (3 + k) * kH + j];
      };
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reverse ? len - 1 - s : s;
        std::vector<double> z(kH), rt(kH), rh(kH), next(kH);
        for (int64_t j = 0; j < kH; ++j) {
          z[j] = f(Clip(xw(t, 0, j) + sr(h, 0, j) + wb(0, j) + rb(0, j), c.clip));
          rt[j] = f(Clip(xw(t, 1, j) + sr(h, 1, j) + wb(1, j) + rb(1, j), c.clip));
          rh[j] = rt[j] * h[j];
        }
        for (int64_t j = 0; j < kH; ++j) {
          const double pre = c.linear_before_reset
                                 ? xw(t, 2, j) + rt[j] * (sr(h, 2, j) + rb(2, j)) + wb(2, j)
                                 : xw(t, 2, j) + sr(rh, 2, j) + rb(2, j) + wb(2, j);
          const double hh = g(Clip(pre, c.clip));
          next[j] = (1 - z[j]) * hh + z[j] * h[j];
        }
        h = next;
        std::copy(h.begin(), h.end(), y->begin() + ((t * dirs + d) * kB + bi) * kH);
      }
      if (len > 0) std::copy(h.begin(), h.end(), y_h->begin() + (d * kB + bi) * kH);
    }
  }
}

// An initial state in the node's layout (zeros when `values` is empty).
template <typename T>
Tensor StateTensor(const std::vector<double>& values, int dirs, bool batch_major) {
  std::vector<double> v = values.empty() ? std::vector<double>(dirs * kB * kH) : values;
  if (batch_major) return ToTensor<T>({kB, dirs, kH}, SwapLeadingAxes(v, dirs, kB, kH));
  return ToTensor<T>({dirs, kB, kH}, v);
}

template <typename T>
void RunCase(const GruCase& c, double tolerance) {
  SCOPED_TRACE(c.name);
  const int dirs = c.direction == "bidirectional" ? 2 : 1;
  std::vector<double> x = RoundTo<T>(RandomValues(kT * kB * kI, 1));
  std::vector<double> w = RoundTo<T>(RandomValues(dirs * 3 * kH * kI, 2));
  std::vector<double> r = RoundTo<T>(RandomValues(dirs * 3 * kH * kH, 3));
  std::vector<double> b =
      c.bias ? RoundTo<T>(RandomValues(dirs * 6 * kH, 4)) : std::vector<double>{};
  std::vector<double> h0 =
      c.initial_h ? RoundTo<T>(RandomValues(dirs * kB * kH, 5)) : std::vector<double>{};
  std::vector<double> y, y_h;
  Reference(c, dirs, x, w, r, b, h0, &y, &y_h);

  const bool bm = c.layout == 1;
  Tensor tx = bm ? ToTensor<T>({kB, kT, kI}, SwapLeadingAxes(x, kT, kB, kI))
                 : ToTensor<T>({kT, kB, kI}, x);
  Tensor tw = ToTensor<T>({dirs, 3 * kH, kI}, w);
  Tensor tr = ToTensor<T>({dirs, 3 * kH, kH}, r);
  Tensor tb = ToTensor<T>({dirs, 6 * kH}, b.empty() ? std::vector<double>(dirs * 6 * kH) : b);
  Tensor tlens = MakeTensor<int32_t>({kB}, c.lens.empty() ? std::vector<int32_t>(kB) : c.lens);
  Tensor th0 = StateTensor<T>(h0, dirs, bm);
  std::vector<const Tensor*> inputs = {&tx, &tw, &tr, c.bias ? &tb : nullptr,
                                       c.lens.empty() ? nullptr : &tlens,
                                       c.initial_h ? &th0 : nullptr};
  std::map<std::string, Attribute> attrs = {{"hidden_size", IntAttr(kH)},
                                            {"direction", StringAttr(c.direction)}};
  if (c.opset >= 14) attrs["layout"] = IntAttr(c.layout);
  if (c.clip > 0) attrs["clip"] = FloatAttr(c.clip);
  if (c.linear_before_reset) attrs["linear_before_reset"] = IntAttr(1);
  if (!c.activations.empty()) attrs["activations"] = StringsAttr(c.activations);
  if (!c.alphas.empty()) attrs["activation_alpha"] = FloatsAttr(c.alphas);
  if (!c.betas.empty()) attrs["activation_beta"] = FloatsAttr(c.betas);
  Node node = MakeNode("GRU", 6, 2, attrs);
  DropMissingInputs(node, inputs);
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, c.opset, inputs);
  ASSERT_TRUE(out.ok()) << out.status();

  std::vector<double> y_expected = y;
  std::vector<double> y_h_expected = y_h;
  Shape y_shape = {kT, dirs, kB, kH};
  Shape y_h_shape = {dirs, kB, kH};
  if (bm) {
    // [T, D, B, H] -> [B, T, D, H]
    for (int64_t t = 0; t < kT; ++t)
      for (int d = 0; d < dirs; ++d)
        for (int64_t bi = 0; bi < kB; ++bi)
          std::copy_n(y.begin() + ((t * dirs + d) * kB + bi) * kH, kH,
                      y_expected.begin() + ((bi * kT + t) * dirs + d) * kH);
    y_h_expected = SwapLeadingAxes(y_h, dirs, kB, kH);
    y_shape = {kB, kT, dirs, kH};
    y_h_shape = {kB, dirs, kH};
  }
  ExpectTensorNear((*out)[0], ToTensor<T>(y_shape, y_expected), tolerance, tolerance);
  ExpectTensorNear((*out)[1], ToTensor<T>(y_h_shape, y_h_expected), tolerance, tolerance);
}

const RefActivation kSigmoid{"Sigmoid"};
const RefActivation kTanh{"Tanh"};

std::vector<GruCase> Cases() {
  return {
      {.name = "forward defaults", .expected_acts = {kSigmoid, kTanh}},
      {.name = "linear before reset", .initial_h = true, .expected_acts = {kSigmoid, kTanh},
       .linear_before_reset = true},
      {.name = "linear before reset without bias", .bias = false,
       .expected_acts = {kSigmoid, kTanh}, .linear_before_reset = true},
      {.name = "reverse", .direction = "reverse", .initial_h = true,
       .expected_acts = {kSigmoid, kTanh}},
      {.name = "bidirectional", .direction = "bidirectional", .initial_h = true,
       .expected_acts = {kSigmoid, kTanh, kSigmoid, kTanh}},
      {.name = "batch-major bidirectional with lengths", .direction = "bidirectional",
       .layout = 1, .initial_h = true, .lens = {1, 3, 2},
       .expected_acts = {kSigmoid, kTanh, kSigmoid, kTanh}},
      {.name = "sequence_lens with zero", .lens = {0, 2, 3}, .expected_acts = {kSigmoid, kTanh},
       .linear_before_reset = true},
      {.name = "clip", .clip = 0.5f, .expected_acts = {kSigmoid, kTanh}},
      {.name = "custom activations", .direction = "bidirectional",
       .activations = {"HardSigmoid", "Elu", "Sigmoid", "Softsign"}, .alphas = {0.3f, 0.7f},
       .betas = {0.4f},
       .expected_acts = {{"HardSigmoid", 0.3f, 0.4f}, {"Elu", 0.7f}, kSigmoid, {"Softsign"}}},
      {.name = "softplus and thresholded relu", .activations = {"Softplus", "ThresholdedRelu"},
       .alphas = {0.1f}, .expected_acts = {{"Softplus"}, {"ThresholdedRelu", 0.1f}}},
      {.name = "opset 7", .expected_acts = {kSigmoid, kTanh}, .linear_before_reset = true,
       .opset = 7},
      {.name = "opset 3", .direction = "reverse", .expected_acts = {kSigmoid, kTanh},
       .linear_before_reset = true, .opset = 3},
      {.name = "opset 1", .expected_acts = {kSigmoid, kTanh}, .opset = 1},
  };
}

TEST(GruTest, MatchesReferenceFloat) {
  for (const GruCase& c : Cases()) RunCase<float>(c, 1e-5);
}

TEST(GruTest, MatchesReferenceDouble) {
  for (const GruCase& c : Cases()) RunCase<double>(c, 1e-12);
}

TEST(GruTest, HandComputed) {
  // H = I = 1, weights z r h = (1, 0, 2), no recurrence: z = sigmoid(x), h~ = tanh(2x),
  // H1 = (1 - z) h~ for x = 0.5: (1 - 0.62245933) * 0.76159416 = 0.28753277.
  Tensor x = MakeTensor<float>({1, 1, 1}, {0.5f});
  Tensor w = MakeTensor<float>({1, 3, 1}, {1, 0, 2});
  Tensor r = MakeTensor<float>({1, 3, 1}, {0, 0, 0});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("GRU", 3, 2), 14, {&x, &w, &r});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], MakeTensor<float>({1, 1, 1}, {0.28753277f}));
}

struct ErrorCase {
  std::string name = "";
  std::map<std::string, Attribute> attrs = {};
  Shape w_shape = {1, 6, 3};
  std::vector<int32_t> lens = {};
};

TEST(GruTest, RejectsBadAttributesAndShapes) {
  const std::vector<ErrorCase> cases = {
      {.name = "unknown direction", .attrs = {{"direction", StringAttr("sideways")}}},
      {.name = "bidirectional with one direction of weights",
       .attrs = {{"direction", StringAttr("bidirectional")}}},
      {.name = "hidden_size disagrees with R", .attrs = {{"hidden_size", IntAttr(3)}}},
      {.name = "layout 2", .attrs = {{"layout", IntAttr(2)}}},
      {.name = "negative clip", .attrs = {{"clip", FloatAttr(-1)}}},
      {.name = "unknown activation", .attrs = {{"activations", StringsAttr({"Swish"})}}},
      {.name = "too many activations",
       .attrs = {{"activations", StringsAttr({"Sigmoid", "Tanh", "Tanh"})}}},
      {.name = "W input size disagrees with X", .w_shape = {1, 6, 4}},
      {.name = "sequence length beyond X", .lens = {5, 1}},
      {.name = "negative sequence length", .lens = {-1, 1}},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Tensor x(DataType::kFloat, {2, 2, 3});
    Tensor w(DataType::kFloat, c.w_shape);
    Tensor r(DataType::kFloat, {1, 6, 2});
    Tensor lens = MakeTensor<int32_t>({2}, c.lens.empty() ? std::vector<int32_t>{2, 2} : c.lens);
    Node node = MakeNode("GRU", 5, 2, c.attrs);
    node.inputs[3].clear();
    absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 14, {&x, &w, &r, nullptr, &lens});
    EXPECT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  }
}

TEST(GruTest, RejectsInconsistentWeights) {
  // R says hidden = 3, so W needs 9 rows.
  Tensor x(DataType::kFloat, {2, 1, 3});
  Tensor w(DataType::kFloat, {1, 6, 3});
  Tensor r(DataType::kFloat, {1, 6, 3});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("GRU", 3, 2), 14, {&x, &w, &r});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
}

}  // namespace
}  // namespace berth::engine::testing
