#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

struct WindowCase {
  std::string op;
  int64_t size;
  int64_t periodic;
  std::vector<double> expected;
};

TEST(WindowTest, MatchesClosedForms) {
  constexpr double kA0 = 25.0 / 46.0;
  constexpr double kA1 = 21.0 / 46.0;
  const std::vector<WindowCase> cases = {
      {"HannWindow", 4, 1, {0, 0.5, 1, 0.5}},
      {"HannWindow", 5, 0, {0, 0.5, 1, 0.5, 0}},
      {"HammingWindow", 4, 1, {kA0 - kA1, kA0, kA0 + kA1, kA0}},
      {"HammingWindow", 3, 0, {kA0 - kA1, kA0 + kA1, kA0 - kA1}},
      {"BlackmanWindow", 3, 0, {0, 1, 0}},
      {"BlackmanWindow", 4, 1, {0, 0.34, 1, 0.34}},
      {"HannWindow", 1, 0, {1}},
      {"HannWindow", 1, 1, {0}},
      {"BlackmanWindow", 0, 1, {}},
  };
  for (const WindowCase& c : cases) {
    SCOPED_TRACE(c.op + " size " + std::to_string(c.size));
    Tensor size = MakeTensor<int32_t>({}, {static_cast<int32_t>(c.size)});
    Node node = MakeNode(c.op, 1, 1, {{"periodic", IntAttr(c.periodic)}});
    absl::StatusOr<std::vector<Tensor>> out = RunNode(node, 17, {&size});
    ASSERT_TRUE(out.ok()) << out.status();
    std::vector<float> expected(c.expected.begin(), c.expected.end());
    ExpectTensorNear((*out)[0], MakeTensor<float>({c.size}, expected), 1e-6, 1e-6);
  }
}

TEST(WindowTest, OutputDatatype) {
  Tensor size = MakeTensor<int64_t>({}, {4});
  Node as_double = MakeNode("HannWindow", 1, 1, {{"output_datatype", IntAttr(11)}});
  absl::StatusOr<std::vector<Tensor>> out = RunNode(as_double, 17, {&size});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<double>({4}, {0, 0.5, 1, 0.5}), 1e-15, 1e-15);

  Node as_int = MakeNode("HannWindow", 1, 1, {{"output_datatype", IntAttr(6)}});
  out = RunNode(as_int, 17, {&size});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<int32_t>({4}, {0, 0, 1, 0}));
}

TEST(WindowTest, RejectsBadInputs) {
  Tensor size = MakeTensor<int64_t>({}, {4});
  Tensor negative = MakeTensor<int64_t>({}, {-1});
  Tensor vector = MakeTensor<int64_t>({2}, {4, 4});
  EXPECT_FALSE(RunNode(MakeNode("HannWindow", 1, 1, {{"output_datatype", IntAttr(8)}}), 17,
                       {&size}).ok());
  EXPECT_FALSE(RunNode(MakeNode("HannWindow", 1, 1, {{"output_datatype", IntAttr(99)}}), 17,
                       {&size}).ok());
  EXPECT_FALSE(RunNode(MakeNode("HammingWindow", 1, 1, {{"periodic", IntAttr(3)}}), 17,
                       {&size}).ok());
  EXPECT_FALSE(RunNode(MakeNode("BlackmanWindow", 1), 17, {&negative}).ok());
  EXPECT_FALSE(RunNode(MakeNode("BlackmanWindow", 1), 17, {&vector}).ok());
}

TEST(MelWeightMatrixTest, TriangularBands) {
  // num_mel_bins 3, dft_length 32, 8 kHz, 0-4000 Hz; values from the ONNX reference.
  Tensor bins = MakeTensor<int32_t>({}, {3});
  Tensor dft_length = MakeTensor<int32_t>({}, {32});
  Tensor rate = MakeTensor<int32_t>({}, {8000});
  Tensor lower = MakeTensor<float>({}, {0});
  Tensor upper = MakeTensor<float>({}, {4000});
  std::vector<float> expected(17 * 3, 0);
  const std::vector<std::vector<float>> rows = {
      {0, 0, 0}, {1, 0, 0}, {0.5f, 0.5f, 0}, {0, 1, 0}, {0, 2.f / 3, 1.f / 3},
      {0, 1.f / 3, 2.f / 3}, {0, 0, 1}, {0, 0, 0.75f}, {0, 0, 0.5f}, {0, 0, 0.25f}};
  for (size_t r = 0; r < rows.size(); ++r) {
    std::copy(rows[r].begin(), rows[r].end(), expected.begin() + r * 3);
  }
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("MelWeightMatrix", 5), 17, {&bins, &dft_length, &rate, &lower, &upper});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({17, 3}, expected), 1e-6, 1e-6);

  Node as_double = MakeNode("MelWeightMatrix", 5, 1, {{"output_datatype", IntAttr(11)}});
  out = RunNode(as_double, 17, {&bins, &dft_length, &rate, &lower, &upper});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dtype(), DataType::kDouble);
  EXPECT_DOUBLE_EQ((*out)[0].data<double>()[4 * 3 + 1], 2.0 / 3);
}

TEST(MelWeightMatrixTest, RejectsBadInputs) {
  Tensor bins = MakeTensor<int64_t>({}, {3});
  Tensor zero = MakeTensor<int64_t>({}, {0});
  Tensor dft_length = MakeTensor<int64_t>({}, {32});
  Tensor rate = MakeTensor<int64_t>({}, {8000});
  Tensor lower = MakeTensor<float>({}, {100});
  Tensor upper = MakeTensor<float>({}, {50});
  Tensor int_edge = MakeTensor<int64_t>({}, {50});
  Node node = MakeNode("MelWeightMatrix", 5);
  EXPECT_FALSE(RunNode(node, 17, {&zero, &dft_length, &rate, &lower, &upper}).ok());
  EXPECT_FALSE(RunNode(node, 17, {&bins, &dft_length, &rate, &lower, &upper}).ok());
  EXPECT_FALSE(RunNode(node, 17, {&bins, &dft_length, &zero, &upper, &lower}).ok());
  EXPECT_FALSE(RunNode(node, 17, {&bins, &dft_length, &rate, &int_edge, &lower}).ok());
}

}  // namespace
}  // namespace berth::engine::testing
