#include <cmath>

#include "engine/kernels/nn/nn_test_reference.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct Params {
  Tensor scale, bias, mean, var;
};

Params RandomParams(Shape shape, uint32_t seed) {
  return {RandomTensor(shape, seed), RandomTensor(shape, seed + 1),
          RandomTensor(shape, seed + 2), RandomTensor(shape, seed + 3, 0.1f, 2.f)};
}

// y = scale * (x - mean) / sqrt(var + eps) + bias, with parameter index (i / inner) % count.
Tensor RefInference(const Tensor& x, const Params& p, int64_t inner, float eps) {
  Tensor y(DataType::kFloat, x.shape());
  const int64_t count = p.scale.num_elements();
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    int64_t c = (i / inner) % count;
    y.data<float>()[i] = p.scale.data<float>()[c] * (x.data<float>()[i] - p.mean.data<float>()[c]) /
                             std::sqrt(p.var.data<float>()[c] + eps) +
                         p.bias.data<float>()[c];
  }
  return y;
}

TEST(BatchNormTest, InferenceAcrossRanksAndOpsets) {
  for (Shape shape : {Shape{4, 3}, Shape{2, 3, 7}, Shape{2, 3, 5, 4}, Shape{1, 3, 2, 3, 4}}) {
    Tensor x = RandomTensor(shape, 1);
    Params p = RandomParams({3}, 10);
    const int64_t inner = x.num_elements() / (shape[0] * 3);
    Tensor expected = RefInference(x, p, inner, 1e-3f);
    for (int opset : {6, 9, 15}) {
      std::map<std::string, Attribute> attrs = {{"epsilon", FloatAttr(1e-3f)}};
      if (opset == 6) attrs["is_test"] = IntAttr(1);
      auto out = RunNode(MakeNode("BatchNormalization", 5, 1, attrs), opset,
                         {&x, &p.scale, &p.bias, &p.mean, &p.var});
      ASSERT_TRUE(out.ok()) << out.status();
      ExpectTensorNear((*out)[0], expected, 1e-5, 1e-4);
    }
  }
}

TEST(BatchNormTest, DoubleUsesTheSameFormula) {
  Tensor x = MakeTensor<double>({1, 2, 2}, {1, 2, 3, 5});
  Tensor s = MakeTensor<double>({2}, {2, 1});
  Tensor b = MakeTensor<double>({2}, {0.5, 0});
  Tensor m = MakeTensor<double>({2}, {1, 4});
  Tensor v = MakeTensor<double>({2}, {4, 1});
  auto out = RunNode(MakeNode("BatchNormalization", 5, 1, {{"epsilon", FloatAttr(0.f)}}), 15,
                     {&x, &s, &b, &m, &v});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<double>({1, 2, 2}, {0.5, 1.5, -1, 1}));
}

TEST(BatchNormTest, PerActivationWhenNotSpatial) {
  Tensor x = RandomTensor({3, 2, 2, 3}, 2);
  Params p = RandomParams({2, 2, 3}, 20);
  auto out = RunNode(MakeNode("BatchNormalization", 5, 1,
                              {{"spatial", IntAttr(0)}, {"is_test", IntAttr(1)}}),
                     6, {&x, &p.scale, &p.bias, &p.mean, &p.var});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], RefInference(x, p, 1, 1e-5f), 1e-5, 1e-4);
}

TEST(BatchNormTest, TrainingModeOutputsRunningStatistics) {
  Tensor x = RandomTensor({4, 2, 3, 3}, 3);
  Params p = RandomParams({2}, 30);
  double mean[2] = {0, 0}, var[2] = {0, 0};
  for (int c = 0; c < 2; ++c) {
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 9; ++i) mean[c] += x.data<float>()[(n * 2 + c) * 9 + i] / 36.0;
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 9; ++i) {
        double d = x.data<float>()[(n * 2 + c) * 9 + i] - mean[c];
        var[c] += d * d / 36.0;
      }
  }
  Params batch = {p.scale.Clone(), p.bias.Clone(),
                  MakeTensor<float>({2}, {float(mean[0]), float(mean[1])}),
                  MakeTensor<float>({2}, {float(var[0]), float(var[1])})};
  Tensor running_mean = MakeTensor<float>(
      {2}, {float(p.mean.data<float>()[0] * 0.8 + mean[0] * 0.2),
            float(p.mean.data<float>()[1] * 0.8 + mean[1] * 0.2)});
  Tensor running_var = MakeTensor<float>(
      {2}, {float(p.var.data<float>()[0] * 0.8 + var[0] * 0.2),
            float(p.var.data<float>()[1] * 0.8 + var[1] * 0.2)});

  Node node = MakeNode("BatchNormalization", 5, 3,
                       {{"training_mode", IntAttr(1)}, {"momentum", FloatAttr(0.8f)}});
  auto out = RunNode(node, 15, {&x, &p.scale, &p.bias, &p.mean, &p.var});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], RefInference(x, batch, 9, 1e-5f), 1e-5, 1e-4);
  ExpectTensorNear((*out)[1], running_mean, 1e-6, 1e-5);
  ExpectTensorNear((*out)[2], running_var, 1e-6, 1e-5);

  // Before opset 14, asking for the extra outputs selects training; 3 and 4 are the batch stats.
  Node legacy = MakeNode("BatchNormalization", 5, 5, {{"momentum", FloatAttr(0.8f)}});
  out = RunNode(legacy, 9, {&x, &p.scale, &p.bias, &p.mean, &p.var});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[1], running_mean, 1e-6, 1e-5);
  ExpectTensorNear((*out)[3], batch.mean, 1e-6, 1e-5);
  ExpectTensorNear((*out)[4], batch.var, 1e-6, 1e-5);
}

TEST(BatchNormTest, RejectsBadInputs) {
  Tensor x = RandomTensor({2, 3, 4}, 1);
  Params p = RandomParams({3}, 40);
  Tensor wrong = RandomTensor({4}, 50);
  Tensor as_double = MakeTensor<double>({3}, {1, 1, 1});
  Node node = MakeNode("BatchNormalization", 5);
  EXPECT_EQ(RunNode(node, 15, {&x, &wrong, &p.bias, &p.mean, &p.var}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(RunNode(node, 15, {&x, &p.scale, &as_double, &p.mean, &p.var}).ok());
  Tensor rank1 = RandomTensor({3}, 2);
  EXPECT_FALSE(RunNode(node, 15, {&rank1, &p.scale, &p.bias, &p.mean, &p.var}).ok());
  EXPECT_FALSE(RunNode(MakeNode("BatchNormalization", 5, 1, {{"epsilon", FloatAttr(-1.f)}}), 15,
                       {&x, &p.scale, &p.bias, &p.mean, &p.var})
                   .ok());
}

}  // namespace
}  // namespace berth::engine::testing
