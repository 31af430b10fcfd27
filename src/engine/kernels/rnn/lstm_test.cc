#include <string>
#include <vector>

#include "engine/kernels/rnn/rnn_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct LstmCase {
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
  std::vector<RefActivation> expected_acts = {};  // f, g, h per direction
  bool peepholes = false;
  bool input_forget = false;
  int opset = 14;
};

constexpr int64_t kT = 3, kB = 3, kI = 3, kH = 4;

// The ONNX equations, one batch entry at a time, in time-major layout.
void Reference(const LstmCase& c, int dirs, const std::vector<double>& x,
               const std::vector<double>& w, const std::vector<double>& r,
               const std::vector<double>& b, const std::vector<double>& h0,
               const std::vector<double>& c0, const std::vector<double>& p,
               std::vector<double>* y, std::vector<double>* y_h, std::vector<double>* y_c) {
  y->assign(kT * dirs * kB * kH, 0.0);
  y_h->assign(dirs * kB * kH, 0.0);
  y_c->assign(dirs * kB * kH, 0.0);
  for (int d = 0; d < dirs; ++d) {
    const bool reverse = c.direction == "reverse" || d == 1;
    for (int64_t bi = 0; bi < kB; ++bi) {
      const int64_t len = c.lens.empty() ? kT : c.lens[bi];
      std::vector<double> h(kH, 0.0);
      std::vector<double> cell(kH, 0.0);
      if (!h0.empty()) std::copy_n(h0.begin() + (d * kB + bi) * kH, kH, h.begin());
      if (!c0.empty()) std::copy_n(c0.begin() + (d * kB + bi) * kH, kH, cell.begin());
      const RefActivation& f = c.expected_acts[3 * d];
      const RefActivation& g = c.expected_acts[3 * d + 1];
      const RefActivation& h_act = c.expected_acts[3 * d + 2];
      // Pre-activation of gate j of kind k (0 i, 1 o, 2 f, 3 c) without peepholes.
      auto gate = [&](int64_t t, int k, int64_t j) {
        double a = 0;
        for (int64_t i = 0; i < kI; ++i) {
          a += x[(t * kB + bi) * kI + i] * w[((d * 4 + k) * kH + j) * kI + i];
        }
        for (int64_t m = 0; m < kH; ++m) a += h[m] * r[((d * 4 + k) * kH + j) * kH + m];
        if (!b.empty()) a += b[d * 8 * kH + k * kH + j] + b[d * 8 * kH + (4 + k) * kH + j];
        return a;
      };
      auto peep = [&](int k, int64_t j) { return p.empty() ? 0.0 : p[d * 3 * kH + k * kH + j]; };
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reverse ? len - 1 - s : s;
        std::vector<double> next_h(kH), next_c(kH);
        for (int64_t j = 0; j < kH; ++j) {
          const double it = f(Clip(gate(t, 0, j) + peep(0, j) * cell[j], c.clip));
          const double ft = c.input_forget ? 1 - it
                                           : f(Clip(gate(t, 2, j) + peep(2, j) * cell[j], c.clip));
          const double ct = g(Clip(gate(t, 3, j), c.clip));
          next_c[j] = ft * cell[j] + it * ct;
          const double ot = f(Clip(gate(t, 1, j) + peep(1, j) * next_c[j], c.clip));
          next_h[j] = ot * h_act(Clip(next_c[j], c.clip));
        }
        h = next_h;
        cell = next_c;
        std::copy(h.begin(), h.end(), y->begin() + ((t * dirs + d) * kB + bi) * kH);
      }
      if (len > 0) std::copy(cell.begin(), cell.end(), y_c->begin() + (d * kB + bi) * kH);
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
void RunCase(const LstmCase& c, double tolerance) {
  SCOPED_TRACE(c.name);
  const int dirs = c.direction == "bidirectional" ? 2 : 1;
  std::vector<double> x = RoundTo<T>(RandomValues(kT * kB * kI, 1));
  std::vector<double> w = RoundTo<T>(RandomValues(dirs * 4 * kH * kI, 2));
  std::vector<double> r = RoundTo<T>(RandomValues(dirs * 4 * kH * kH, 3));
  std::vector<double> b =
      c.bias ? RoundTo<T>(RandomValues(dirs * 8 * kH, 4)) : std::vector<double>{};
  std::vector<double> h0 =
      c.initial_h ? RoundTo<T>(RandomValues(dirs * kB * kH, 5)) : std::vector<double>{};
  std::vector<double> c0 =
      c.initial_h ? RoundTo<T>(RandomValues(dirs * kB * kH, 6)) : std::vector<double>{};
  std::vector<double> p =
      c.peepholes ? RoundTo<T>(RandomValues(dirs * 3 * kH, 7)) : std::vector<double>{};
  std::vector<double> y, y_h, y_c;
  Reference(c, dirs, x, w, r, b, h0, c0, p, &y, &y_h, &y_c);

  const bool bm = c.layout == 1;
  Tensor tx = bm ? ToTensor<T>({kB, kT, kI}, SwapLeadingAxes(x, kT, kB, kI))
                 : ToTensor<T>({kT, kB, kI}, x);
  Tensor tw = ToTensor<T>({dirs, 4 * kH, kI}, w);
  Tensor tr = ToTensor<T>({dirs, 4 * kH, kH}, r);
  Tensor tb = ToTensor<T>({dirs, 8 * kH}, b.empty() ? std::vector<double>(dirs * 8 * kH) : b);
  Tensor tlens = MakeTensor<int32_t>({kB}, c.lens.empty() ? std::vector<int32_t>(kB) : c.lens);
  Tensor th0 = StateTensor<T>(h0, dirs, bm);
  Tensor tc0 = StateTensor<T>(c0, dirs, bm);
  Tensor tp = ToTensor<T>({dirs, 3 * kH}, p.empty() ? std::vector<double>(dirs * 3 * kH) : p);
  std::vector<const Tensor*> inputs = {&tx, &tw, &tr, c.bias ? &tb : nullptr,
                                       c.lens.empty() ? nullptr : &tlens,
                                       c.initial_h ? &th0 : nullptr,
                                       c.initial_h ? &tc0 : nullptr,
                                       c.peepholes ? &tp : nullptr};
  std::map<std::string, Attribute> attrs = {{"hidden_size", IntAttr(kH)},
                                            {"direction", StringAttr(c.direction)}};
  if (c.opset >= 14) attrs["layout"] = IntAttr(c.layout);
  if (c.clip > 0) attrs["clip"] = FloatAttr(c.clip);
  if (c.input_forget) attrs["input_forget"] = IntAttr(1);
  if (!c.activations.empty()) attrs["activations"] = StringsAttr(c.activations);
  if (!c.alphas.empty()) attrs["activation_alpha"] = FloatsAttr(c.alphas);
  if (!c.betas.empty()) attrs["activation_beta"] = FloatsAttr(c.betas);
  Node node = MakeNode("LSTM", 8, 3, attrs);
  DropMissingInputs(node, inputs);
  absl::StatusOr<std::vector<Tensor>> out = RunNode(node, c.opset, inputs);
  ASSERT_TRUE(out.ok()) << out.status();

  std::vector<double> y_expected = y;
  std::vector<double> y_h_expected = y_h;
  std::vector<double> y_c_expected = y_c;
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
    y_c_expected = SwapLeadingAxes(y_c, dirs, kB, kH);
    y_shape = {kB, kT, dirs, kH};
    y_h_shape = {kB, dirs, kH};
  }
  ExpectTensorNear((*out)[0], ToTensor<T>(y_shape, y_expected), tolerance, tolerance);
  ExpectTensorNear((*out)[1], ToTensor<T>(y_h_shape, y_h_expected), tolerance, tolerance);
  ExpectTensorNear((*out)[2], ToTensor<T>(y_h_shape, y_c_expected), tolerance, tolerance);
}

const RefActivation kSigmoid{"Sigmoid"};
const RefActivation kTanh{"Tanh"};

std::vector<LstmCase> Cases() {
  return {
      {.name = "forward defaults", .expected_acts = {kSigmoid, kTanh, kTanh}},
      {.name = "initial states and peepholes", .initial_h = true,
       .expected_acts = {kSigmoid, kTanh, kTanh}, .peepholes = true},
      {.name = "no bias", .bias = false, .expected_acts = {kSigmoid, kTanh, kTanh}},
      {.name = "reverse", .direction = "reverse", .initial_h = true,
       .expected_acts = {kSigmoid, kTanh, kTanh}, .peepholes = true},
      {.name = "bidirectional", .direction = "bidirectional", .initial_h = true,
       .expected_acts = {kSigmoid, kTanh, kTanh, kSigmoid, kTanh, kTanh}, .peepholes = true},
      {.name = "batch-major bidirectional with lengths", .direction = "bidirectional",
       .layout = 1, .initial_h = true, .lens = {2, 0, 3},
       .expected_acts = {kSigmoid, kTanh, kTanh, kSigmoid, kTanh, kTanh}, .peepholes = true},
      {.name = "sequence_lens", .lens = {1, 3, 2}, .expected_acts = {kSigmoid, kTanh, kTanh}},
      {.name = "clip", .initial_h = true, .clip = 0.4f,
       .expected_acts = {kSigmoid, kTanh, kTanh}, .peepholes = true},
      {.name = "input_forget", .initial_h = true, .expected_acts = {kSigmoid, kTanh, kTanh},
       .input_forget = true},
      {.name = "custom activations", .direction = "bidirectional",
       .activations = {"HardSigmoid", "Affine", "Relu", "Sigmoid", "LeakyRelu", "Tanh"},
       .alphas = {0.3f, 2.0f, 0.05f}, .betas = {0.6f, -0.5f},
       .expected_acts = {{"HardSigmoid", 0.3f, 0.6f}, {"Affine", 2.0f, -0.5f}, {"Relu"}, kSigmoid,
                         {"LeakyRelu", 0.05f}, kTanh}},
      {.name = "opset 7", .initial_h = true, .expected_acts = {kSigmoid, kTanh, kTanh},
       .opset = 7},
      {.name = "opset 1", .direction = "reverse", .expected_acts = {kSigmoid, kTanh, kTanh},
       .peepholes = true, .opset = 1},
  };
}

TEST(LstmTest, MatchesReferenceFloat) {
  for (const LstmCase& c : Cases()) RunCase<float>(c, 1e-5);
}

TEST(LstmTest, MatchesReferenceDouble) {
  for (const LstmCase& c : Cases()) RunCase<double>(c, 1e-12);
}

TEST(LstmTest, HandComputed) {
  // H = I = 1, W (i o f c) = (1, 1, 1, 1), no recurrence, x = 1, C0 = 0.5:
  // i = o = f = sigmoid(1), c = tanh(1), C = f * 0.5 + i * c, H = o * tanh(C).
  Tensor x = MakeTensor<float>({1, 1, 1}, {1});
  Tensor w = MakeTensor<float>({1, 4, 1}, {1, 1, 1, 1});
  Tensor r = MakeTensor<float>({1, 4, 1}, {0, 0, 0, 0});
  Tensor c0 = MakeTensor<float>({1, 1, 1}, {0.5f});
  Node node = MakeNode("LSTM", 7, 3);
  for (int i : {3, 4, 5}) node.inputs[i].clear();
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(node, 14, {&x, &w, &r, nullptr, nullptr, nullptr, &c0});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], MakeTensor<float>({1, 1, 1}, {0.53146738f}));
  ExpectTensorNear((*out)[2], MakeTensor<float>({1, 1, 1}, {0.92229923f}));
}

TEST(LstmTest, RejectsBadPeepholesAndInitialC) {
  Tensor x(DataType::kFloat, {2, 1, 3});
  Tensor w(DataType::kFloat, {1, 8, 3});
  Tensor r(DataType::kFloat, {1, 8, 2});
  Tensor c0(DataType::kFloat, {1, 2, 2});
  Tensor p(DataType::kFloat, {1, 4});
  Node node = MakeNode("LSTM", 8, 3);
  for (int i : {3, 4, 5}) node.inputs[i].clear();
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(node, 14, {&x, &w, &r, nullptr, nullptr, nullptr, &c0, nullptr});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  Tensor c0_ok(DataType::kFloat, {1, 1, 2});
  out = RunNode(node, 14, {&x, &w, &r, nullptr, nullptr, nullptr, &c0_ok, &p});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
}

struct ErrorCase {
  std::string name = "";
  std::map<std::string, Attribute> attrs = {};
  Shape w_shape = {1, 8, 3};
  std::vector<int32_t> lens = {};
};

TEST(LstmTest, RejectsBadAttributesAndShapes) {
  const std::vector<ErrorCase> cases = {
      {.name = "unknown direction", .attrs = {{"direction", StringAttr("sideways")}}},
      {.name = "bidirectional with one direction of weights",
       .attrs = {{"direction", StringAttr("bidirectional")}}},
      {.name = "hidden_size disagrees with R", .attrs = {{"hidden_size", IntAttr(3)}}},
      {.name = "layout 2", .attrs = {{"layout", IntAttr(2)}}},
      {.name = "negative clip", .attrs = {{"clip", FloatAttr(-1)}}},
      {.name = "unknown activation", .attrs = {{"activations", StringsAttr({"Swish"})}}},
      {.name = "too many activations",
       .attrs = {{"activations", StringsAttr({"Sigmoid", "Tanh", "Tanh", "Tanh"})}}},
      {.name = "W input size disagrees with X", .w_shape = {1, 8, 4}},
      {.name = "sequence length beyond X", .lens = {5, 1}},
      {.name = "negative sequence length", .lens = {-1, 1}},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Tensor x(DataType::kFloat, {2, 2, 3});
    Tensor w(DataType::kFloat, c.w_shape);
    Tensor r(DataType::kFloat, {1, 8, 2});
    Tensor lens = MakeTensor<int32_t>({2}, c.lens.empty() ? std::vector<int32_t>{2, 2} : c.lens);
    Node node = MakeNode("LSTM", 5, 3, c.attrs);
    node.inputs[3].clear();
    absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 14, {&x, &w, &r, nullptr, &lens});
    EXPECT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  }
}

TEST(LstmTest, RejectsInconsistentWeights) {
  // R says hidden = 3, so W needs 12 rows.
  Tensor x(DataType::kFloat, {2, 1, 3});
  Tensor w(DataType::kFloat, {1, 8, 3});
  Tensor r(DataType::kFloat, {1, 8, 3});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(MakeNode("LSTM", 3, 3), 14, {&x, &w, &r});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
}

}  // namespace
}  // namespace berth::engine::testing
