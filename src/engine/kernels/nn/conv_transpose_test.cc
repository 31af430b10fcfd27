#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// Naive transposed convolution: every input value scatters into the output through the
// kernel. `pads_begin` and `out` are the effective geometry (hand-computed per case).
Tensor RefConvTranspose(const Tensor& x, const Tensor& w, const Tensor* bias, int64_t group,
                        std::vector<int64_t> strides, std::vector<int64_t> dilations,
                        std::vector<int64_t> pads_begin, std::vector<int64_t> out) {
  const int rank = x.rank() - 2;
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1};
  int64_t pb[3] = {0, 0, 0}, o[3] = {1, 1, 1};
  for (int i = 0; i < rank; ++i) {
    int j = 3 - rank + i;
    in[j] = x.dim(2 + i);
    k[j] = w.dim(2 + i);
    s[j] = strides.empty() ? 1 : strides[i];
    d[j] = dilations.empty() ? 1 : dilations[i];
    pb[j] = pads_begin.empty() ? 0 : pads_begin[i];
    o[j] = out[i];
  }
  const int64_t n = x.dim(0), c = x.dim(1), mg = w.dim(1), m = mg * group, cg = c / group;
  Shape y_shape = {n, m};
  for (int64_t v : out) y_shape.push_back(v);
  Tensor y(DataType::kFloat, y_shape);
  float* yd = y.data<float>();
  const int64_t o_size = o[0] * o[1] * o[2];
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t p = 0; p < o_size; ++p)
        yd[(b * m + oc) * o_size + p] = bias ? bias->data<float>()[oc] : 0.f;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ic = 0; ic < c; ++ic)
      for (int64_t mm = 0; mm < mg; ++mm) {
        const int64_t oc = (ic / cg) * mg + mm;
        for (int64_t i0 = 0; i0 < in[0]; ++i0)
          for (int64_t i1 = 0; i1 < in[1]; ++i1)
            for (int64_t i2 = 0; i2 < in[2]; ++i2) {
              const float xv = x.data<float>()[((b * c + ic) * in[0] + i0) * in[1] * in[2] +
                                               i1 * in[2] + i2];
              for (int64_t k0 = 0; k0 < k[0]; ++k0)
                for (int64_t k1 = 0; k1 < k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    int64_t o0 = i0 * s[0] + k0 * d[0] - pb[0];
                    int64_t o1 = i1 * s[1] + k1 * d[1] - pb[1];
                    int64_t o2 = i2 * s[2] + k2 * d[2] - pb[2];
                    if (o0 < 0 || o0 >= o[0] || o1 < 0 || o1 >= o[1] || o2 < 0 || o2 >= o[2]) {
                      continue;
                    }
                    const float wv = w.data<float>()[((ic * mg + mm) * k[0] + k0) * k[1] * k[2] +
                                                     k1 * k[2] + k2];
                    yd[(b * m + oc) * o_size + (o0 * o[1] + o1) * o[2] + o2] += xv * wv;
                  }
            }
      }
  return y;
}

TEST(ConvTransposeTest, OnnxExample) {
  std::vector<float> xv(9);
  for (int i = 0; i < 9; ++i) xv[i] = static_cast<float>(i);
  Tensor x = MakeTensor<float>({1, 1, 3, 3}, xv);
  Tensor w = MakeTensor<float>({1, 2, 3, 3}, std::vector<float>(18, 1.f));
  auto out = RunNode(MakeNode("ConvTranspose", 2), 11, {&x, &w});
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<float> plane = {0,  1,  3,  3,  2,  3,  8,  15, 12, 7,  9,  21, 36,
                              27, 15, 9,  20, 33, 24, 13, 6,  13, 21, 15, 8};
  std::vector<float> both = plane;
  both.insert(both.end(), plane.begin(), plane.end());
  ExpectTensorNear((*out)[0], MakeTensor<float>({1, 2, 5, 5}, both));
}

struct TransposeCase {
  const char* name;
  Shape x, w;
  int64_t group;
  std::map<std::string, Attribute> attrs;
  std::vector<int64_t> strides, dilations, pads_begin, out;  // for the reference
  bool bias = true;
};

class ConvTransposeVsReferenceTest : public ::testing::TestWithParam<TransposeCase> {};

TEST_P(ConvTransposeVsReferenceTest, MatchesNaiveScatter) {
  const TransposeCase& c = GetParam();
  Tensor x = RandomTensor(c.x, 1);
  Tensor w = RandomTensor(c.w, 2);
  Tensor b = RandomTensor({c.w[1] * c.group}, 3);
  auto attrs = c.attrs;
  attrs["group"] = IntAttr(c.group);
  Node node = MakeNode("ConvTranspose", c.bias ? 3 : 2, 1, attrs);
  std::vector<const Tensor*> inputs = {&x, &w};
  if (c.bias) inputs.push_back(&b);
  Tensor expected = RefConvTranspose(x, w, c.bias ? &b : nullptr, c.group, c.strides,
                                     c.dilations, c.pads_begin, c.out);
  for (bool constant : {false, true}) {
    auto out = RunNode(node, 11, inputs, constant);
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], expected, 1e-4, 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTransposeVsReferenceTest,
    ::testing::Values(
        TransposeCase{"strided_padded", {1, 2, 4, 5}, {2, 3, 3, 3}, 1,
                      {{"strides", IntsAttr({2, 3})}, {"pads", IntsAttr({1, 0, 2, 1})}},
                      {2, 3}, {}, {1, 0}, {6, 14}},
        TransposeCase{"no_bias", {1, 2, 4, 5}, {2, 3, 3, 3}, 1,
                      {{"strides", IntsAttr({2, 3})}, {"pads", IntsAttr({1, 0, 2, 1})}},
                      {2, 3}, {}, {1, 0}, {6, 14}, false},
        TransposeCase{"dilated", {2, 2, 4, 4}, {2, 2, 2, 3}, 1,
                      {{"dilations", IntsAttr({2, 3})}}, {}, {2, 3}, {}, {6, 10}},
        TransposeCase{"groups", {1, 4, 5, 5}, {4, 3, 3, 3}, 2, {{"strides", IntsAttr({2, 2})}},
                      {2, 2}, {}, {}, {11, 11}},
        TransposeCase{"output_padding", {1, 1, 3, 3}, {1, 2, 3, 3}, 1,
                      {{"strides", IntsAttr({3, 2})}, {"output_padding", IntsAttr({1, 1})}},
                      {3, 2}, {}, {}, {10, 8}},
        TransposeCase{"output_shape_extends", {1, 1, 3, 3}, {1, 2, 3, 3}, 1,
                      {{"strides", IntsAttr({3, 2})}, {"output_shape", IntsAttr({10, 8})}},
                      {3, 2}, {}, {0, 0}, {10, 8}},
        TransposeCase{"output_shape_crops", {1, 1, 4, 4}, {1, 1, 3, 3}, 1,
                      {{"strides", IntsAttr({2, 2})}, {"output_shape", IntsAttr({7, 8})}},
                      {2, 2}, {}, {1, 1}, {7, 8}},
        TransposeCase{"same_upper", {1, 1, 3, 4}, {1, 1, 3, 3}, 1,
                      {{"strides", IntsAttr({2, 2})}, {"auto_pad", StringAttr("SAME_UPPER")}},
                      {2, 2}, {}, {0, 0}, {6, 8}},
        TransposeCase{"same_lower", {1, 1, 3, 4}, {1, 1, 3, 3}, 1,
                      {{"strides", IntsAttr({2, 2})}, {"auto_pad", StringAttr("SAME_LOWER")}},
                      {2, 2}, {}, {1, 1}, {6, 8}},
        TransposeCase{"conv1d", {1, 2, 5}, {2, 3, 3}, 1,
                      {{"strides", IntsAttr({2})}, {"pads", IntsAttr({1, 0})}}, {2}, {}, {1},
                      {10}},
        TransposeCase{"conv3d", {1, 1, 3, 3, 2}, {1, 2, 3, 3, 2}, 1,
                      {{"strides", IntsAttr({1, 2, 1})}, {"pads", IntsAttr({0, 1, 0, 0, 1, 0})}},
                      {1, 2, 1}, {}, {0, 1, 0}, {5, 5, 3}}),
    [](const ::testing::TestParamInfo<TransposeCase>& info) { return info.param.name; });

TEST(ConvTransposeTest, ConstantWeightsAreConsumed) {
  Tensor x = RandomTensor({1, 4, 3, 5}, 1);
  Tensor w = RandomTensor({4, 3, 2, 3}, 2);
  Tensor b = RandomTensor({6}, 3);
  Node node = MakeNode("ConvTranspose", 3, 1,
                       {{"group", IntAttr(2)}, {"strides", IntsAttr({2, 2})}});
  std::vector<DataType> types(3, DataType::kFloat);
  KernelInfo info(node, 11, types, {nullptr, &w, nullptr});
  auto def = GlobalKernelRegistry().Find("", "ConvTranspose", 11, types);
  ASSERT_TRUE(def.ok());
  auto kernel = (*def)->factory(info);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_TRUE(info.constant_input_consumed(1));
  StandaloneContext ctx({&x, nullptr, &b}, info.output_types(), {true});
  ASSERT_TRUE((*kernel)->Compute(ctx).ok());
  ExpectTensorNear(ctx.outputs()[0], RefConvTranspose(x, w, &b, 2, {2, 2}, {}, {}, {6, 11}),
                   1e-4, 1e-4);
}

TEST(ConvTransposeTest, RejectsBadInputs) {
  Tensor x = RandomTensor({1, 2, 4, 4}, 1);
  Tensor w = RandomTensor({2, 3, 3, 3}, 2);
  Tensor w_bad = RandomTensor({3, 3, 3, 3}, 3);
  Tensor b_bad = RandomTensor({2}, 4);
  EXPECT_EQ(RunNode(MakeNode("ConvTranspose", 2), 11, {&x, &w_bad}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RunNode(MakeNode("ConvTranspose", 3), 11, {&x, &w, &b_bad}).ok());
  EXPECT_FALSE(RunNode(MakeNode("ConvTranspose", 2, 1,
                                {{"strides", IntsAttr({2, 2})},
                                 {"output_padding", IntsAttr({2, 0})}}),
                       11, {&x, &w})
                   .ok());
  EXPECT_FALSE(
      RunNode(MakeNode("ConvTranspose", 2, 1, {{"group", IntAttr(4)}}), 11, {&x, &w}).ok());
  EXPECT_FALSE(RunNode(MakeNode("ConvTranspose", 2, 1, {{"pads", IntsAttr({5, 5, 5, 5})}}), 11,
                       {&x, &w})
                   .ok());
  EXPECT_FALSE(
      RunNode(MakeNode("ConvTranspose", 2, 1, {{"strides", IntsAttr({1})}}), 11, {&x, &w}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
