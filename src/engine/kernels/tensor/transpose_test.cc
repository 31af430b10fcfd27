#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

// out[i] = in[perm-mapped index], computed one element at a time.
Tensor NaiveTranspose(const Tensor& in, const Shape& perm) {
  int rank = in.rank();
  Shape out_shape(rank);
  for (int k = 0; k < rank; ++k) out_shape[k] = in.dim(static_cast<int>(perm[k]));
  Tensor out(in.dtype(), out_shape);
  Shape in_strides(rank, 1);
  for (int k = rank - 2; k >= 0; --k) in_strides[k] = in_strides[k + 1] * in.dim(k + 1);
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    int64_t rest = i, src = 0;
    for (int k = rank - 1; k >= 0; --k) {
      src += (rest % out_shape[k]) * in_strides[perm[k]];
      rest /= out_shape[k];
    }
    out.data<float>()[i] = in.data<float>()[src];
  }
  return out;
}

TEST(TransposeTest, CommonPermutationsMatchNaive) {
  struct Case {
    Shape shape;
    Shape perm;
  };
  const Case cases[] = {
      {{3, 5}, {1, 0}},                  {{2, 3, 4, 5}, {0, 2, 3, 1}},
      {{2, 3, 4, 5}, {0, 3, 1, 2}},      {{2, 3, 4, 5}, {0, 1, 3, 2}},
      {{2, 3, 4, 5}, {3, 2, 1, 0}},      {{2, 1, 4, 1, 3}, {4, 0, 3, 2, 1}},
      {{64, 300}, {1, 0}},               {{1, 64, 40, 40}, {0, 2, 3, 1}},
  };
  for (const Case& c : cases) {
    Tensor in = Iota<float>(c.shape);
    Node node = MakeNode("Transpose", 1, 1,
                         {{"perm", IntsAttr(std::vector<int64_t>(c.perm.begin(), c.perm.end()))}});
    absl::StatusOr<Tensor> out = RunFirstThreaded(node, 13, {&in}, 2);
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear(*out, NaiveTranspose(in, c.perm), 0, 0);
  }
}

TEST(TransposeTest, DefaultReversesDims) {
  Tensor in = Iota<float>({2, 3, 4});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Transpose", 1), 1, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, NaiveTranspose(in, {2, 1, 0}), 0, 0);
  Node empty_perm = MakeNode("Transpose", 1, 1, {{"perm", IntsAttr({})}});
  out = RunFirst(empty_perm, 13, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, NaiveTranspose(in, {2, 1, 0}), 0, 0);
}

TEST(TransposeTest, StringsAndBool) {
  Tensor s = MakeTensor<std::string>({2, 3}, {"a", "b", "c", "d", "e", "f"});
  absl::StatusOr<Tensor> out = RunFirst(MakeNode("Transpose", 1), 21, {&s});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<std::string>({3, 2}, {"a", "d", "b", "e", "c", "f"}));
  Tensor b = MakeTensor<bool>({1, 3}, {true, false, true});
  out = RunFirst(MakeNode("Transpose", 1), 13, {&b});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear(*out, MakeTensor<bool>({3, 1}, {true, false, true}));
}

TEST(TransposeTest, BadPermutations) {
  Tensor in = Iota<float>({2, 3});
  for (std::vector<int64_t> perm : {std::vector<int64_t>{0, 0}, {0, 2}, {-1, 0}}) {
    Node node = MakeNode("Transpose", 1, 1, {{"perm", IntsAttr(perm)}});
    EXPECT_FALSE(RunFirst(node, 13, {&in}).ok());
  }
  Node wrong_rank = MakeNode("Transpose", 1, 1, {{"perm", IntsAttr({2, 1, 0})}});
  EXPECT_EQ(RunFirst(wrong_rank, 13, {&in}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DepthToSpaceTest, DcrAndCrdModes) {
  // Input [1, 8, 1, 1] holding 0..7, blocksize 2 -> [1, 2, 2, 2].
  Tensor in = Iota<float>({1, 8, 1, 1});
  Node dcr = MakeNode("DepthToSpace", 1, 1, {{"blocksize", IntAttr(2)}});
  absl::StatusOr<Tensor> out = RunFirst(dcr, 1, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  // DCR: output channel c, pixel (i, j) = input channel (i * 2 + j) * 2 + c.
  ExpectTensorNear(*out, MakeTensor<float>({1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7}));
  Node crd = MakeNode("DepthToSpace", 1, 1,
                      {{"blocksize", IntAttr(2)}, {"mode", StringAttr("CRD")}});
  out = RunFirst(crd, 13, {&in});
  ASSERT_TRUE(out.ok()) << out.status();
  // CRD: output channel c, pixel (i, j) = input channel c * 4 + i * 2 + j.
  ExpectTensorNear(*out, MakeTensor<float>({1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(DepthToSpaceTest, RoundTripsWithSpaceToDepth) {
  Tensor in = Iota<float>({2, 3, 4, 6});
  Node s2d = MakeNode("SpaceToDepth", 1, 1, {{"blocksize", IntAttr(2)}});
  absl::StatusOr<Tensor> packed = RunFirst(s2d, 13, {&in});
  ASSERT_TRUE(packed.ok()) << packed.status();
  EXPECT_EQ(ShapeToString(packed->shape()), "[2,12,2,3]");
  // Channel (i * 2 + j) * 3 + c at (y, x) holds input channel c at (2y + i, 2x + j); here
  // i = 1, j = 0, c = 2, y = 1, x = 2.
  EXPECT_EQ(packed->data<float>()[(8 * 2 + 1) * 3 + 2], in.data<float>()[2 * 24 + 3 * 6 + 4]);
  Node d2s = MakeNode("DepthToSpace", 1, 1, {{"blocksize", IntAttr(2)}});
  absl::StatusOr<Tensor> back = RunFirst(d2s, 13, {&*packed});
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectTensorNear(*back, in, 0, 0);
}

TEST(DepthToSpaceTest, Errors) {
  Tensor in = Iota<float>({1, 6, 2, 2});
  Tensor flat = Iota<float>({4, 4});
  Node d2s = MakeNode("DepthToSpace", 1, 1, {{"blocksize", IntAttr(2)}});
  EXPECT_FALSE(RunFirst(d2s, 13, {&in}).ok());    // 6 channels, not a multiple of 4
  EXPECT_FALSE(RunFirst(d2s, 13, {&flat}).ok());  // not 4-D
  Node bad_mode = MakeNode("DepthToSpace", 1, 1,
                           {{"blocksize", IntAttr(2)}, {"mode", StringAttr("XYZ")}});
  EXPECT_FALSE(RunFirst(bad_mode, 13, {&in}).ok());
  Node s2d = MakeNode("SpaceToDepth", 1, 1, {{"blocksize", IntAttr(3)}});
  EXPECT_FALSE(RunFirst(s2d, 13, {&in}).ok());  // 2x2 not divisible by 3
  EXPECT_FALSE(RunFirst(MakeNode("SpaceToDepth", 1), 13, {&in}).ok());  // no blocksize
}

}  // namespace
}  // namespace berth::engine::testing
