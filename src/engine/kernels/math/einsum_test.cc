// Einsum: the direct matmul path and the general path against a brute-force reference.
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using testing::ExpectTensorNear;
using testing::MakeNode;
using testing::MakeTensor;
using testing::RunNode;
using testing::StringAttr;

// Brute force: loops over every assignment of every letter. `terms` and `out` are plain
// letter strings (no ellipsis); `sizes` gives each letter's extent.
template <typename T>
Tensor BruteForce(const std::vector<std::string>& terms, const std::string& out,
                  std::map<char, int64_t> sizes, const std::vector<const Tensor*>& inputs) {
  std::string letters;
  for (auto& [c, n] : sizes) letters.push_back(c);
  Shape out_shape;
  for (char c : out) out_shape.push_back(sizes[c]);
  Tensor y(DataTypeOf<T>::value, out_shape);
  std::map<char, int64_t> idx;
  int64_t total = 1;
  for (char c : letters) total *= sizes[c];
  for (int64_t e = 0; e < total; ++e) {
    int64_t rem = e;
    for (int i = static_cast<int>(letters.size()) - 1; i >= 0; --i) {
      idx[letters[i]] = rem % sizes[letters[i]];
      rem /= sizes[letters[i]];
    }
    T prod = 1;
    for (size_t t = 0; t < terms.size(); ++t) {
      int64_t off = 0;
      for (char c : terms[t]) off = off * sizes[c] + idx[c];
      prod *= inputs[t]->data<T>()[off];
    }
    int64_t o = 0;
    for (char c : out) o = o * sizes[c] + idx[c];
    y.data<T>()[o] += prod;
  }
  return y;
}

Tensor Random(const std::string& term, std::map<char, int64_t>& sizes, uint32_t seed) {
  Shape shape;
  for (char c : term) shape.push_back(sizes[c]);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<double> v(NumElementsOf(shape));
  for (double& x : v) x = dist(rng);
  return MakeTensor<double>(shape, v);
}

struct EinsumCase {
  std::string equation;            // as given to the node
  std::vector<std::string> terms;  // explicit letters for the reference
  std::string out;
};

class EinsumBruteForceTest : public ::testing::TestWithParam<EinsumCase> {};

TEST_P(EinsumBruteForceTest, MatchesReference) {
  const EinsumCase& c = GetParam();
  std::map<char, int64_t> sizes = {{'a', 2}, {'b', 3}, {'c', 4}, {'d', 2},
                                   {'i', 3}, {'j', 4}, {'k', 5}, {'B', 2}};
  std::vector<Tensor> tensors;
  for (size_t t = 0; t < c.terms.size(); ++t) tensors.push_back(Random(c.terms[t], sizes, t + 1));
  std::vector<const Tensor*> inputs;
  for (const Tensor& t : tensors) inputs.push_back(&t);
  for (char ch : std::string("abcdijkB")) {
    bool used = false;
    for (const auto& t : c.terms) used |= t.find(ch) != std::string::npos;
    if (!used) sizes.erase(ch);
  }
  Tensor expected = BruteForce<double>(c.terms, c.out, sizes, inputs);
  auto r = RunNode(MakeNode("Einsum", static_cast<int>(inputs.size()), 1,
                            {{"equation", StringAttr(c.equation)}}),
                   12, inputs);
  ASSERT_TRUE(r.ok()) << c.equation << ": " << r.status();
  ExpectTensorNear((*r)[0], expected, 1e-10, 1e-10);
}

INSTANTIATE_TEST_SUITE_P(
    Equations, EinsumBruteForceTest,
    ::testing::Values(EinsumCase{"ij,jk->ik", {"ij", "jk"}, "ik"},        // direct matmul
                      EinsumCase{"bij,bkj->bik", {"bij", "bkj"}, "bik"},  // B transposed
                      EinsumCase{"bji,bjk->bik", {"bji", "bjk"}, "bik"},  // A transposed
                      EinsumCase{"abij,abjk->abik", {"abij", "abjk"}, "abik"},
                      EinsumCase{"ij,jk", {"ij", "jk"}, "ik"},        // implicit output
                      EinsumCase{"i,i", {"i", "i"}, ""},              // inner product
                      EinsumCase{"i,j->ij", {"i", "j"}, "ij"},        // outer product
                      EinsumCase{"ij->ji", {"ij"}, "ji"},             // transpose
                      EinsumCase{"ij->", {"ij"}, ""},                 // total sum
                      EinsumCase{"ii->i", {"ii"}, "i"},               // diagonal
                      EinsumCase{"ii", {"ii"}, ""},                   // trace
                      EinsumCase{"ijk,jk->ki", {"ijk", "jk"}, "ki"},  // general, permuted output
                      EinsumCase{"bij,jk,kc->bic", {"bij", "jk", "kc"}, "bic"},  // three operands
                      EinsumCase{"aij,ajk->ik", {"aij", "ajk"}, "ik"},       // batch label summed
                      EinsumCase{"ij,ij->ij", {"ij", "ij"}, "ij"},           // elementwise product
                      EinsumCase{"ijk->kj", {"ijk"}, "kj"},                  // sum and transpose
                      EinsumCase{"Bi,Bi->B", {"Bi", "Bi"}, "B"},             // upper-case labels
                      EinsumCase{"i j , j k -> i k", {"ij", "jk"}, "ik"}));  // spaces

TEST(EinsumTest, EllipsisBatchDiagonalAndBroadcast) {
  Tensor x = MakeTensor<float>({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto diag =
      RunNode(MakeNode("Einsum", 1, 1, {{"equation", StringAttr("...ii ->...i")}}), 12, {&x});
  ASSERT_TRUE(diag.ok()) << diag.status();
  ExpectTensorNear((*diag)[0], MakeTensor<float>({2, 2}, {1, 4, 5, 8}));
  // [2, 1, 1, 2] x [3, 2, 1]: the ellipsis dims [2, 1] and [3] broadcast to [2, 3].
  Tensor a = MakeTensor<float>({2, 1, 1, 2}, {1, 2, 3, 4});
  Tensor b = MakeTensor<float>({3, 2, 1}, {1, 1, 0, 1, 2, 0});
  auto mm = RunNode(MakeNode("Einsum", 2, 1, {{"equation", StringAttr("...ij,...jk->...ik")}}), 12,
                    {&a, &b});
  ASSERT_TRUE(mm.ok()) << mm.status();
  ExpectTensorNear((*mm)[0], MakeTensor<float>({2, 3, 1, 1}, {3, 2, 2, 7, 4, 6}));
  auto implicit = RunNode(MakeNode("Einsum", 1, 1, {{"equation", StringAttr("...ij")}}), 12, {&x});
  ASSERT_TRUE(implicit.ok());
  ExpectTensorNear((*implicit)[0], x);
}

TEST(EinsumTest, FloatAndIntegerTypes) {
  Tensor a = MakeTensor<int64_t>({2, 2}, {1, 2, 3, 4});
  Tensor b = MakeTensor<int64_t>({2, 2}, {5, 6, 7, 8});
  auto r = RunNode(MakeNode("Einsum", 2, 1, {{"equation", StringAttr("ij,kj->ik")}}), 12, {&a, &b});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectTensorNear((*r)[0], MakeTensor<int64_t>({2, 2}, {17, 23, 39, 53}));
  Tensor fa = MakeTensor<float>({1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor fb = MakeTensor<float>({1, 2, 3}, {1, 0, 0, 0, 1, 0});
  auto f =
      RunNode(MakeNode("Einsum", 2, 1, {{"equation", StringAttr("bqd,bkd->bqk")}}), 12, {&fa, &fb});
  ASSERT_TRUE(f.ok()) << f.status();
  ExpectTensorNear((*f)[0], MakeTensor<float>({1, 2, 2}, {1, 2, 4, 5}));
}

TEST(EinsumTest, RejectsBadEquations) {
  Tensor x = MakeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto eq = [&](const std::string& e, std::vector<const Tensor*> in) {
    return RunNode(
               MakeNode("Einsum", static_cast<int>(in.size()), 1, {{"equation", StringAttr(e)}}),
               12, in)
        .status();
  };
  EXPECT_EQ(eq("ij,jk->ik", {&x}).code(), absl::StatusCode::kInvalidArgument);  // term count
  EXPECT_FALSE(eq("ijk->i", {&x}).ok());                                        // rank
  EXPECT_FALSE(eq("ii->i", {&x}).ok());                                         // 2 vs 3
  EXPECT_FALSE(eq("ij->k", {&x}).ok());                                         // unknown label
  EXPECT_FALSE(eq("i1->i", {&x}).ok());                                         // bad char
  EXPECT_TRUE(eq("ij,ij->ij", {&x, &x}).ok());
  Tensor y = MakeTensor<float>({2, 2}, {1, 2, 3, 4});
  EXPECT_FALSE(eq("ij,jk->ik", {&x, &y}).ok());  // j: 3 vs 2
}

}  // namespace
}  // namespace berth::engine
