// Sum, Mean, Max, Min over several broadcast inputs, and Where.
#include <cmath>
#include <random>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;

absl::StatusOr<Tensor> RunOp(const std::string& op, int opset, std::vector<const Tensor*> inputs) {
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode(op, static_cast<int>(inputs.size())), opset, inputs);
  if (!out.ok()) return out.status();
  return std::move((*out)[0]);
}

TEST(VariadicTest, SameShapes) {
  Tensor a = MakeTensor<float>({3}, {3, 2, 1});
  Tensor b = MakeTensor<float>({3}, {1, 4, 4});
  Tensor c = MakeTensor<float>({3}, {2, 5, 0});
  ExpectTensorNear(*RunOp("Sum", 13, {&a, &b, &c}), MakeTensor<float>({3}, {6, 11, 5}));
  ExpectTensorNear(*RunOp("Mean", 13, {&a, &b, &c}),
                   MakeTensor<float>({3}, {2, 11.0f / 3, 5.0f / 3}));
  ExpectTensorNear(*RunOp("Max", 13, {&a, &b, &c}), MakeTensor<float>({3}, {3, 5, 4}));
  ExpectTensorNear(*RunOp("Min", 13, {&a, &b, &c}), MakeTensor<float>({3}, {1, 2, 0}));
  ExpectTensorNear(*RunOp("Sum", 6, {&a}), a);  // one input is a copy
  ExpectTensorNear(*RunOp("Max", 8, {&a, &b}), MakeTensor<float>({3}, {3, 4, 4}));
}

TEST(VariadicTest, BroadcastInAnyPosition) {
  Tensor row = MakeTensor<float>({3}, {1, 2, 3});
  Tensor col = MakeTensor<float>({2, 1}, {10, 20});
  Tensor one = MakeTensor<float>({}, {100});
  // The first pair does not reach the full shape on its own: out starts as a broadcast copy.
  ExpectTensorNear(*RunOp("Sum", 13, {&row, &one, &col}),
                   MakeTensor<float>({2, 3}, {111, 112, 113, 121, 122, 123}));
  ExpectTensorNear(*RunOp("Sum", 13, {&one, &row}), MakeTensor<float>({3}, {101, 102, 103}));
  ExpectTensorNear(*RunOp("Mean", 13, {&col, &row}),
                   MakeTensor<float>({2, 3}, {5.5f, 6, 6.5f, 10.5f, 11, 11.5f}));
  ExpectTensorNear(*RunOp("Min", 13, {&one, &col, &row}),
                   MakeTensor<float>({2, 3}, {1, 2, 3, 1, 2, 3}));
  Tensor bad = MakeTensor<float>({2}, {1, 2});
  EXPECT_EQ(RunOp("Max", 13, {&row, &bad}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VariadicTest, TypesAndNaN) {
  Tensor a = MakeTensor<uint64_t>({2}, {1, uint64_t{1} << 63});
  Tensor b = MakeTensor<uint64_t>({2}, {5, 3});
  ExpectTensorNear(*RunOp("Max", 13, {&a, &b}), MakeTensor<uint64_t>({2}, {5, uint64_t{1} << 63}));
  ExpectTensorNear(*RunOp("Min", 12, {&a, &b}), MakeTensor<uint64_t>({2}, {1, 3}));
  Tensor i8a = MakeTensor<int8_t>({2}, {-128, 127});
  Tensor i8b = MakeTensor<int8_t>({2}, {0, -1});
  ExpectTensorNear(*RunOp("Max", 13, {&i8a, &i8b}), MakeTensor<int8_t>({2}, {0, 127}));
  Tensor f = MakeTensor<float>({2}, {NAN, 1});
  Tensor g = MakeTensor<float>({2}, {0, NAN});
  Tensor max = *RunOp("Max", 13, {&f, &g});
  EXPECT_TRUE(std::isnan(max.data<float>()[0]));
  EXPECT_TRUE(std::isnan(max.data<float>()[1]));
  Tensor h = MakeTensor<Float16>({2}, {Float16(1.5f), Float16(-2.0f)});
  ExpectTensorNear(*RunOp("Mean", 13, {&h, &h}), h);
  Tensor d = MakeTensor<double>({1}, {1.0});
  Tensor e = MakeTensor<double>({1}, {2.0});
  ExpectTensorNear(*RunOp("Mean", 8, {&d, &e, &e}), MakeTensor<double>({1}, {5.0 / 3}), 1e-15, 0);
  EXPECT_EQ(RunOp("Sum", 13, {&a, &b}).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(RunOp("Sum", 13, {&f, &d}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(VariadicTest, ManyInputsMatchNaiveLoop) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-5, 5);
  std::vector<Tensor> tensors;
  for (int k = 0; k < 5; ++k) {
    Tensor t(DataType::kFloat, {40, 70});
    for (float& v : t.span<float>()) v = dist(rng);
    tensors.push_back(std::move(t));
  }
  std::vector<const Tensor*> ptrs;
  for (const Tensor& t : tensors) ptrs.push_back(&t);
  std::vector<float> sum(2800, 0);
  std::vector<float> max(2800, -1e30f);
  for (const Tensor& t : tensors) {
    for (int i = 0; i < 2800; ++i) {
      sum[i] += t.data<float>()[i];
      max[i] = std::max(max[i], t.data<float>()[i]);
    }
  }
  ExpectTensorNear(*RunOp("Sum", 13, ptrs), MakeTensor<float>({40, 70}, sum));
  ExpectTensorNear(*RunOp("Max", 13, ptrs), MakeTensor<float>({40, 70}, max));
}

TEST(WhereTest, ThreeWayBroadcast) {
  Tensor cond = MakeTensor<bool>({2, 1}, {true, false});
  Tensor x = MakeTensor<float>({3}, {1, 2, 3});
  Tensor y = MakeTensor<float>({}, {-1});
  ExpectTensorNear(*RunOp("Where", 16, {&cond, &x, &y}),
                   MakeTensor<float>({2, 3}, {1, 2, 3, -1, -1, -1}));
  Tensor c2 = MakeTensor<bool>({2, 2}, {true, false, true, true});
  Tensor a = MakeTensor<int64_t>({2, 2}, {1, 2, 3, 4});
  Tensor b = MakeTensor<int64_t>({2, 2}, {9, 8, 7, 6});
  ExpectTensorNear(*RunOp("Where", 9, {&c2, &a, &b}), MakeTensor<int64_t>({2, 2}, {1, 8, 3, 4}));
}

TEST(WhereTest, AllElementWidthsAndStrings) {
  Tensor c = MakeTensor<bool>({2}, {false, true});
  Tensor s1 = MakeTensor<std::string>({2}, {"a", "b"});
  Tensor s2 = MakeTensor<std::string>({1}, {"z"});
  ExpectTensorNear(*RunOp("Where", 16, {&c, &s1, &s2}), MakeTensor<std::string>({2}, {"z", "b"}));
  Tensor b1 = MakeTensor<bool>({2}, {true, true});
  Tensor b2 = MakeTensor<bool>({2}, {false, false});
  ExpectTensorNear(*RunOp("Where", 16, {&c, &b1, &b2}), MakeTensor<bool>({2}, {false, true}));
  Tensor h1 = MakeTensor<Float16>({2}, {Float16(1.0f), Float16(2.0f)});
  Tensor h2 = MakeTensor<Float16>({2}, {Float16(3.0f), Float16(4.0f)});
  ExpectTensorNear(*RunOp("Where", 16, {&c, &h1, &h2}),
                   MakeTensor<Float16>({2}, {Float16(3.0f), Float16(2.0f)}));
  Tensor d1 = MakeTensor<double>({2}, {1.5, 2.5});
  Tensor d2 = MakeTensor<double>({2}, {3.5, 4.5});
  ExpectTensorNear(*RunOp("Where", 16, {&c, &d1, &d2}), MakeTensor<double>({2}, {3.5, 2.5}));
}

TEST(WhereTest, Errors) {
  Tensor c = MakeTensor<bool>({2}, {false, true});
  Tensor x = MakeTensor<float>({2}, {1, 2});
  Tensor y = MakeTensor<double>({2}, {1, 2});
  Tensor z = MakeTensor<float>({3}, {1, 2, 3});
  EXPECT_EQ(RunOp("Where", 16, {&c, &x, &y}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunOp("Where", 16, {&c, &x, &z}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunOp("Where", 16, {&x, &x, &x}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunOp("Where", 8, {&c, &x, &x}).status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace berth::engine
