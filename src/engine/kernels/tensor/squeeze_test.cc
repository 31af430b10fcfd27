#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// Runs Squeeze or Unsqueeze with `axes` as an attribute (opset < 13) or an input.
absl::StatusOr<Tensor> RunAxesOp(const std::string& op, int opset, const Tensor& data,
                                 const std::vector<int64_t>* axes) {
  if (opset < 13) {
    std::map<std::string, Attribute> attrs;
    if (axes != nullptr) attrs["axes"] = IntsAttr(*axes);
    return RunFirst(MakeNode(op, 1, 1, attrs), opset, {&data});
  }
  if (axes == nullptr) return RunFirst(MakeNode(op, 1, 1), opset, {&data});
  Tensor axes_t = Int64s(*axes);
  return RunFirst(MakeNode(op, 2, 1), opset, {&data, &axes_t});
}

struct AxesCase {
  std::string op;
  int opset;
  Shape input;
  std::vector<int64_t> axes;
  Shape expected;  // unused when !ok
  bool ok;
};

class SqueezeTableTest : public ::testing::TestWithParam<AxesCase> {};

TEST_P(SqueezeTableTest, Shapes) {
  const AxesCase& c = GetParam();
  Tensor data = Iota<int64_t>(c.input);
  absl::StatusOr<Tensor> out = RunAxesOp(c.op, c.opset, data, &c.axes);
  if (!c.ok) {
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
    return;
  }
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), ShapeToString(c.expected));
  for (int64_t i = 0; i < data.num_elements(); ++i) EXPECT_EQ(out->data<int64_t>()[i], i);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SqueezeTableTest,
    ::testing::Values(AxesCase{"Squeeze", 13, {1, 3, 1, 5}, {0}, {3, 1, 5}, true},
                      AxesCase{"Squeeze", 13, {1, 3, 1, 5}, {-2, 0}, {3, 5}, true},
                      AxesCase{"Squeeze", 11, {1, 3, 1, 5}, {2}, {1, 3, 5}, true},
                      AxesCase{"Squeeze", 1, {1, 3}, {0}, {3}, true},
                      AxesCase{"Squeeze", 13, {1, 3}, {1}, {}, false},
                      AxesCase{"Squeeze", 13, {1, 3}, {2}, {}, false},
                      AxesCase{"Squeeze", 13, {1, 1}, {0, -2}, {}, false},
                      AxesCase{"Unsqueeze", 13, {3, 4}, {0}, {1, 3, 4}, true},
                      AxesCase{"Unsqueeze", 13, {3, 4}, {2, 0}, {1, 3, 1, 4}, true},
                      AxesCase{"Unsqueeze", 13, {3, 4}, {-1}, {3, 4, 1}, true},
                      AxesCase{"Unsqueeze", 11, {3}, {0, 3, 1}, {1, 1, 3, 1}, true},
                      AxesCase{"Unsqueeze", 1, {}, {0}, {1}, true},
                      AxesCase{"Unsqueeze", 13, {3}, {2}, {}, false},
                      AxesCase{"Unsqueeze", 13, {3}, {0, 0}, {}, false}));

TEST(SqueezeTest, WithoutAxesRemovesAllOnes) {
  Tensor data = Iota<float>({1, 2, 1, 3, 1});
  for (int opset : {1, 11, 13}) {
    absl::StatusOr<Tensor> out = RunAxesOp("Squeeze", opset, data, nullptr);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(ShapeToString(out->shape()), "[2,3]");
  }
  std::vector<int64_t> empty;
  absl::StatusOr<Tensor> out = RunAxesOp("Squeeze", 13, data, &empty);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), "[2,3]");
}

TEST(UnsqueezeTest, AxesAreRequired) {
  Tensor data = Iota<float>({2});
  EXPECT_FALSE(RunAxesOp("Unsqueeze", 1, data, nullptr).ok());
  EXPECT_FALSE(RunAxesOp("Unsqueeze", 13, data, nullptr).ok());
}

TEST(SqueezeTest, StringsKeepValues) {
  Tensor data = MakeTensor<std::string>({1, 2}, {"p", "q"});
  std::vector<int64_t> axes = {0};
  absl::StatusOr<Tensor> out = RunAxesOp("Squeeze", 13, data, &axes);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({2}, {"p", "q"}));
}

TEST(ShapeTest, StartAndEndFromOpset15) {
  struct Case {
    int opset;
    std::map<std::string, Attribute> attrs;
    std::vector<int64_t> expected;
  };
  const Case cases[] = {
      {13, {}, {2, 3, 4, 5}},
      {13, {{"start", IntAttr(1)}}, {2, 3, 4, 5}},  // ignored before 15
      {15, {{"start", IntAttr(1)}}, {3, 4, 5}},
      {15, {{"end", IntAttr(-1)}}, {2, 3, 4}},
      {15, {{"start", IntAttr(-10)}, {"end", IntAttr(10)}}, {2, 3, 4, 5}},
      {15, {{"start", IntAttr(1)}, {"end", IntAttr(2)}}, {3}},
      {15, {{"start", IntAttr(3)}, {"end", IntAttr(1)}}, {}},
  };
  Tensor data(DataType::kFloat, {2, 3, 4, 5});
  for (const Case& c : cases) {
    absl::StatusOr<Tensor> out = RunFirst(MakeNode("Shape", 1, 1, c.attrs), c.opset, {&data});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear(*out, Int64s(c.expected));
  }
}

TEST(ShapeTest, StringInputAndScalar) {
  Tensor strings = MakeTensor<std::string>({2}, {"a", "b"});
  Tensor scalar = MakeTensor<int8_t>({}, {1});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Shape", 1), 1, {&strings});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, Int64s({2}));
  out = RunFirst(MakeNode("Shape", 1), 19, {&scalar});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(ShapeToString(out->shape()), "[0]");
}

TEST(SizeTest, CountsElements) {
  Tensor data(DataType::kBFloat16, {3, 0, 2});
  Tensor other(DataType::kBool, {3, 4});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Size", 1), 13, {&data});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int64_t>({}, {0}));
  out = RunFirst(MakeNode("Size", 1), 1, {&other});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<int64_t>({}, {12}));
}

}  // namespace
}  // namespace berth::engine::testing
