#include <string>
#include <vector>

#include "engine/kernels/rnn/rnn_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct RnnCase {
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
  std::vector<RefActivation> expected_acts = {};  // per direction
  int opset = 14;
};

constexpr int64_t kT = 3, kB = 3, kI = 3, kH = 4;

// The ONNX equations, one batch entry at a time, in time-major layout.
void Reference(const RnnCase& c, int dirs, const std::vector<double>& x,
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
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reverse ? len - 1 - s : s;
        std::vector<double> next(kH);
        for (int64_t j = 0; j < kH; ++j) {
          double a = 0;
          for (int64_t i = 0; i < kI; ++i) {
            a += x[(t * kB + bi) * kI + i] * w[(d * kH + j) * kI + i];
          }
          for (int64_t k = 0; k < kH; ++k) a += h[k] * r[(d * kH + j) * kH + k];
          if (!b.empty()) a += b[d * 2 * kH + j] + b[d * 2 * kH + kH + j];
          next[j] = c.expected_acts[d](Clip(a, c.clip));
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
void RunCase(const RnnCase& c, double tolerance) {
  SCOPED_TRACE(c.name);
  const int dirs = c.direction == "bidirectional" ? 2 : 1;
  std::vector<double> x = RoundTo<T>(RandomValues(kT * kB * kI, 1));
  std::vector<double> w = RoundTo<T>(RandomValues(dirs * kH * kI, 2));
  std::vector<double> r = RoundTo<T>(RandomValues(dirs * kH * kH, 3));
  std::vector<double> b =
      c.bias ? RoundTo<T>(RandomValues(dirs * 2 * kH, 4)) : std::vector<double>{};
  std::vector<double> h0 =
      c.initial_h ? RoundTo<T>(RandomValues(dirs * kB * kH, 5)) : std::vector<double>{};
  std::vector<double> y, y_h;
  Reference(c, dirs, x, w, r, b, h0, &y, &y_h);

  const bool bm = c.layout == 1;
  Tensor tx = bm ? ToTensor<T>({kB, kT, kI}, SwapLeadingAxes(x, kT, kB, kI))
                 : ToTensor<T>({kT, kB, kI}, x);
  Tensor tw = ToTensor<T>({dirs, kH, kI}, w);
  Tensor tr = ToTensor<T>({dirs, kH, kH}, r);
  Tensor tb = ToTensor<T>({dirs, 2 * kH}, b.empty() ? std::vector<double>(dirs * 2 * kH) : b);
  Tensor tlens = MakeTensor<int32_t>({kB}, c.lens.empty() ? std::vector<int32_t>(kB) : c.lens);
  Tensor th0 = StateTensor<T>(h0, dirs, bm);
  std::vector<const Tensor*> inputs = {&tx, &tw, &tr, c.bias ? &tb : nullptr,
                                       c.lens.empty() ? nullptr : &tlens,
                                       c.initial_h ? &th0 : nullptr};
  std::map<std::string, Attribute> attrs = {{"hidden_size", IntAttr(kH)},
                                            {"direction", StringAttr(c.direction)}};
  if (c.opset >= 14) attrs["layout"] = IntAttr(c.layout);
  if (c.clip > 0) attrs["clip"] = FloatAttr(c.clip);
  if (!c.activations.empty()) attrs["activations"] = StringsAttr(c.activations);
  if (!c.alphas.empty()) attrs["activation_alpha"] = FloatsAttr(c.alphas);
  if (!c.betas.empty()) attrs["activation_beta"] = FloatsAttr(c.betas);
  Node node = MakeNode("RNN", 6, 2, attrs);
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

const RefActivation kTanh{"Tanh"};

std::vector<RnnCase> Cases() {
  return {
      {.name = "forward defaults", .expected_acts = {kTanh}},
      {.name = "no bias", .bias = false, .expected_acts = {kTanh}},
      {.name = "reverse with initial_h", .direction = "reverse", .initial_h = true,
       .expected_acts = {kTanh}},
      {.name = "bidirectional", .direction = "bidirectional", .initial_h = true,
       .expected_acts = {kTanh, kTanh}},
      {.name = "batch-major bidirectional", .direction = "bidirectional", .layout = 1,
       .initial_h = true, .expected_acts = {kTanh, kTanh}},
      {.name = "sequence_lens forward", .lens = {3, 1, 0}, .expected_acts = {kTanh}},
      {.name = "sequence_lens bidirectional", .direction = "bidirectional", .initial_h = true,
       .lens = {2, 3, 1}, .expected_acts = {kTanh, kTanh}},
      {.name = "clip", .clip = 0.3f, .expected_acts = {kTanh}},
      {.name = "relu", .activations = {"Relu"}, .expected_acts = {{"Relu"}}},
      {.name = "per-direction activations with parameters", .direction = "bidirectional",
       .activations = {"LeakyRelu", "affine"}, .alphas = {0.2f, 0.5f}, .betas = {0.25f},
       .expected_acts = {{"LeakyRelu", 0.2f}, {"Affine", 0.5f, 0.25f}}},
      {.name = "one direction's activations serve both", .direction = "bidirectional",
       .activations = {"ScaledTanh"}, .alphas = {1.5f}, .betas = {0.5f},
       .expected_acts = {{"ScaledTanh", 1.5f, 0.5f}, {"ScaledTanh", 1.5f, 0.5f}}},
      {.name = "default parameters", .activations = {"HardSigmoid"},
       .expected_acts = {{"HardSigmoid", 0.2f, 0.5f}}},
      {.name = "opset 7", .initial_h = true, .expected_acts = {kTanh}, .opset = 7},
      {.name = "opset 1", .direction = "reverse", .expected_acts = {kTanh}, .opset = 1},
  };
}

TEST(RnnTest, MatchesReferenceFloat) {
  for (const RnnCase& c : Cases()) RunCase<float>(c, 1e-5);
}

TEST(RnnTest, MatchesReferenceDouble) {
  for (const RnnCase& c : Cases()) RunCase<double>(c, 1e-12);
}

TEST(RnnTest, HandComputed) {
  // H = I = 1: h1 = tanh(0.5 * 1 + 0.1), h2 = tanh(0.5 * 2 + 0.25 * h1 + 0.1).
  Tensor x = MakeTensor<float>({2, 1, 1}, {1, 2});
  Tensor w = MakeTensor<float>({1, 1, 1}, {0.5f});
  Tensor r = MakeTensor<float>({1, 1, 1}, {0.25f});
  Tensor b = MakeTensor<float>({1, 2}, {0.1f, 0});
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("RNN", 4, 2, {{"hidden_size", IntAttr(1)}}), 14, {&x, &w, &r, &b});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({2, 1, 1, 1}, {0.53704957f, 0.84381124f}));
  ExpectTensorNear((*out)[1], MakeTensor<float>({1, 1, 1}, {0.84381124f}));
}

TEST(RnnTest, OnlyYhWanted) {
  Tensor x = MakeTensor<float>({2, 1, 1}, {1, 2});
  Tensor w = MakeTensor<float>({1, 1, 1}, {0.5f});
  Tensor r = MakeTensor<float>({1, 1, 1}, {0.25f});
  Node node = MakeNode("RNN", 3, 2);
  node.outputs[0].clear();
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 14, {&x, &w, &r});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], MakeTensor<float>({1, 1, 1}, {0.80600823f}));
}

struct ErrorCase {
  std::string name = "";
  std::map<std::string, Attribute> attrs = {};
  Shape w_shape = {1, 2, 3};
  std::vector<int32_t> lens = {};
};

TEST(RnnTest, RejectsBadAttributesAndShapes) {
  const std::vector<ErrorCase> cases = {
      {.name = "unknown direction", .attrs = {{"direction", StringAttr("sideways")}}},
      {.name = "bidirectional with one direction of weights",
       .attrs = {{"direction", StringAttr("bidirectional")}}},
      {.name = "hidden_size disagrees with R", .attrs = {{"hidden_size", IntAttr(3)}}},
      {.name = "layout 2", .attrs = {{"layout", IntAttr(2)}}},
      {.name = "negative clip", .attrs = {{"clip", FloatAttr(-1)}}},
      {.name = "unknown activation", .attrs = {{"activations", StringsAttr({"Swish"})}}},
      {.name = "too many activations", .attrs = {{"activations", StringsAttr({"Tanh", "Tanh"})}}},
      {.name = "W input size disagrees with X", .w_shape = {1, 2, 4}},
      {.name = "sequence length beyond X", .lens = {5, 1}},
      {.name = "negative sequence length", .lens = {-1, 1}},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Tensor x(DataType::kFloat, {2, 2, 3});
    Tensor w(DataType::kFloat, c.w_shape);
    Tensor r(DataType::kFloat, {1, 2, 2});
    Tensor lens = MakeTensor<int32_t>({2}, c.lens.empty() ? std::vector<int32_t>{2, 2} : c.lens);
    Node node = MakeNode("RNN", 5, 2, c.attrs);
    node.inputs[3].clear();
    absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 14, {&x, &w, &r, nullptr, &lens});
    EXPECT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  }
}

TEST(RnnTest, RejectsMismatchedTypes) {
  Tensor x(DataType::kFloat, {2, 1, 3});
  Tensor w(DataType::kDouble, {1, 2, 3});
  Tensor r(DataType::kFloat, {1, 2, 2});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("RNN", 3, 2), 14, {&x, &w, &r});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
}

}  // namespace
}  // namespace berth::engine::testing
