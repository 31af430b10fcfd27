// CopyStrided, the core of every layout kernel, against a naive element-by-element reference.
#include "engine/kernels/tensor/data_movement.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/tensor/tensor_test_helpers.h"
#include "gtest/gtest.h"

namespace berth::engine::tensor_kernels {
namespace {

// dst[i] = src[offset + sum idx_k * strides_k], walking `shape` one element at a time.
std::vector<int64_t> ReferenceIndices(int64_t offset, absl::Span<const int64_t> strides,
                                      absl::Span<const int64_t> shape) {
  std::vector<int64_t> out;
  int64_t n = NumElementsOf(shape);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i;
    int64_t src = offset;
    for (int k = static_cast<int>(shape.size()) - 1; k >= 0; --k) {
      src += (rest % shape[k]) * strides[k];
      rest /= shape[k];
    }
    out.push_back(src);
  }
  return out;
}

template <typename T>
void ExpectPermutationMatches(std::mt19937& rng, int rank, int threads) {
  std::uniform_int_distribution<int64_t> dim(1, 5);
  Shape shape(rank);
  for (int64_t& d : shape) d = dim(rng);
  Shape perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  Tensor src = testing::Iota<T>(shape);
  Shape in_strides = RowMajorStrides(shape);
  Shape out_shape(rank), strides(rank);
  for (int k = 0; k < rank; ++k) {
    out_shape[k] = shape[perm[k]];
    strides[k] = in_strides[perm[k]];
  }
  Tensor dst(src.dtype(), out_shape);
  CopyStridedToDense(src, 0, strides, out_shape, dst, threads);
  std::vector<int64_t> expected = ReferenceIndices(0, strides, out_shape);
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(dst.data<T>()[i], src.data<T>()[expected[i]]) << "rank " << rank << " element " << i;
  }
}

TEST(CopyStridedTest, RandomPermutationsEveryElementSize) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    int rank = 1 + trial % 5;
    ExpectPermutationMatches<uint8_t>(rng, rank, 1);
    ExpectPermutationMatches<uint16_t>(rng, rank, 1);
    ExpectPermutationMatches<float>(rng, rank, 2);
    ExpectPermutationMatches<int64_t>(rng, rank, 2);
  }
}

TEST(CopyStridedTest, LargeTransposeUsesTilesAndThreads) {
  // 2-D and NCHW -> NHWC, both above the parallel threshold and not multiples of the tile.
  for (Shape shape : {Shape{301, 517}, Shape{2, 37, 45, 41}}) {
    Tensor src = testing::Iota<float>(shape);
    int rank = static_cast<int>(shape.size());
    Shape perm = rank == 2 ? Shape{1, 0} : Shape{0, 2, 3, 1};
    Shape in_strides = RowMajorStrides(shape);
    Shape out_shape(rank), strides(rank);
    for (int k = 0; k < rank; ++k) {
      out_shape[k] = shape[perm[k]];
      strides[k] = in_strides[perm[k]];
    }
    Tensor dst(DataType::kFloat, out_shape);
    CopyStridedToDense(src, 0, strides, out_shape, dst, 2);
    std::vector<int64_t> expected = ReferenceIndices(0, strides, out_shape);
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(dst.data<float>()[i], static_cast<float>(expected[i])) << i;
    }
  }
}

TEST(CopyStridedTest, NegativeAndZeroStridesWithOffset) {
  Tensor src = testing::Iota<int32_t>({4, 5});
  // Rows reversed, every second column from the right, each read twice (stride 0).
  Shape shape = {4, 3, 2};
  Shape strides = {-5, -2, 0};
  Tensor dst(DataType::kInt32, shape);
  CopyStridedToDense(src, 19, strides, shape, dst, 1);
  std::vector<int64_t> expected = ReferenceIndices(19, strides, shape);
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(dst.data<int32_t>()[i], expected[i]);
}

TEST(CopyStridedTest, StringsIntoStridedDestination) {
  Tensor src = testing::MakeTensor<std::string>({2, 2}, {"a", "b", "c", "d"});
  Tensor dst(DataType::kString, {2, 4});
  Shape shape = {2, 2};
  Shape src_strides = {1, 2};  // transposed read
  Shape dst_strides = {4, 1};
  CopyStrided(src, 0, src_strides, dst, 1, dst_strides, shape, 1);
  EXPECT_EQ(dst.strings(), (std::vector<std::string>{"", "a", "c", "", "", "b", "d", ""}));
}

TEST(ElementHelpersTest, ZeroFillAndCopy) {
  Tensor t = testing::Iota<double>({6});
  Tensor value = testing::MakeTensor<double>({}, {7.5});
  FillElements(t, 1, 2, value);
  ZeroElements(t, 4, 1);
  Tensor copy(DataType::kDouble, {6});
  CopyAll(t, copy);
  testing::ExpectTensorNear(copy, testing::MakeTensor<double>({6}, {0, 7.5, 7.5, 3, 0, 5}));
  CopyElements(t, 0, copy, 3, 2);
  EXPECT_EQ(copy.data<double>()[4], 7.5);
}

}  // namespace
}  // namespace berth::engine::tensor_kernels
