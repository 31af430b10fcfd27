#include <string>
#include <vector>

#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

Attribute Floats(std::vector<float> v) {
  Attribute a;
  a.type = Attribute::Type::kFloats;
  a.floats = std::move(v);
  return a;
}

Attribute Strings(std::vector<std::string> v) {
  Attribute a;
  a.type = Attribute::Type::kStrings;
  a.strings = std::move(v);
  return a;
}

// Uni- and bigrams with skips up to 5 over the pool of ONNX's TfIdfVectorizer examples.
std::map<std::string, Attribute> BaseAttrs(const std::string& mode) {
  return {{"mode", StringAttr(mode)},
          {"min_gram_length", IntAttr(1)},
          {"max_gram_length", IntAttr(2)},
          {"max_skip_count", IntAttr(5)},
          {"ngram_counts", IntsAttr({0, 4})},
          {"ngram_indexes", IntsAttr({0, 1, 2, 3, 4, 5, 6})},
          {"pool_int64s", IntsAttr({2, 3, 5, 4, 5, 6, 7, 8, 6, 7})}};
}

const std::vector<int32_t> kRows = {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8};

struct TfIdfCase {
  std::string name;
  std::map<std::string, Attribute> attrs;
  std::vector<float> expected;  // [2, 7]
};

// Expected values from the ONNX reference implementation.
TEST(TfIdfVectorizerTest, Modes) {
  const std::vector<float> w = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
  std::vector<TfIdfCase> cases = {
      {"TF", BaseAttrs("TF"), {0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1}},
      {"IDF with weights", BaseAttrs("IDF"),
       {0, 0.2f, 0, 0, 0, 0, 0, 0, 0, 0.3f, 0, 0.5f, 0.6f, 0.7f}},
      {"IDF without weights", BaseAttrs("IDF"), {0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1}},
      {"TFIDF with weights", BaseAttrs("TFIDF"),
       {0, 0.6f, 0, 0, 0, 0, 0, 0, 0, 0.3f, 0, 0.5f, 0.6f, 0.7f}},
      {"permuted output coordinates", BaseAttrs("TF"), {0, 0, 0, 0, 0, 3, 0, 1, 1, 1, 0, 1, 0, 0}},
  };
  cases[1].attrs["weights"] = Floats(w);
  cases[3].attrs["weights"] = Floats(w);
  cases[4].attrs["ngram_indexes"] = IntsAttr({6, 5, 4, 3, 2, 1, 0});
  Tensor x = MakeTensor<int32_t>({2, 6}, kRows);
  for (const TfIdfCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::vector<Tensor>> out =
        RunNode(MakeNode("TfIdfVectorizer", 1, 1, c.attrs), 9, {&x});
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectTensorNear((*out)[0], MakeTensor<float>({2, 7}, c.expected));
  }
}

TEST(TfIdfVectorizerTest, StringPool) {
  std::map<std::string, Attribute> attrs = BaseAttrs("TF");
  attrs.erase("pool_int64s");
  attrs["pool_strings"] = Strings({"b", "c", "e", "d", "e", "f", "g", "h", "f", "g"});
  Tensor x = MakeTensor<std::string>(
      {2, 6}, {"a", "a", "c", "c", "c", "g", "h", "f", "g", "e", "f", "h"});
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("TfIdfVectorizer", 1, 1, attrs), 9, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0],
                   MakeTensor<float>({2, 7}, {0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1}));
}

TEST(TfIdfVectorizerTest, TrigramsOnOneDimensionalInt64) {
  // Unigrams 5 9 (not loaded: min_gram_length 2), bigrams 5-6 6-7, trigram 5-6-7.
  std::map<std::string, Attribute> attrs = {
      {"mode", StringAttr("TF")},
      {"min_gram_length", IntAttr(2)},
      {"max_gram_length", IntAttr(3)},
      {"max_skip_count", IntAttr(1)},
      {"ngram_counts", IntsAttr({0, 2, 6})},
      {"ngram_indexes", IntsAttr({0, 1, 2, 3, 4})},
      {"pool_int64s", IntsAttr({5, 9, 5, 6, 6, 7, 5, 6, 7})}};
  Tensor x = MakeTensor<int64_t>({12}, {5, 6, 7, 8, 6, 7, 5, 6, 7, 9, 6, 7});
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("TfIdfVectorizer", 1, 1, attrs), 9, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({5}, {0, 0, 2, 4, 2}));
}

TEST(TfIdfVectorizerTest, EmptyRowsGiveZeros) {
  Tensor x(DataType::kInt64, {3, 0});
  absl::StatusOr<std::vector<Tensor>> out =
      RunNode(MakeNode("TfIdfVectorizer", 1, 1, BaseAttrs("TF")), 9, {&x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectTensorNear((*out)[0], MakeTensor<float>({3, 7}, std::vector<float>(21, 0)));
}

TEST(TfIdfVectorizerTest, RejectsBadAttributesAndInputs) {
  Tensor ints = MakeTensor<int32_t>({2, 6}, kRows);
  Tensor strings = MakeTensor<std::string>({1}, {"a"});
  Tensor rank3(DataType::kInt32, {1, 2, 3});
  auto run = [](std::map<std::string, Attribute> attrs, const Tensor& x) {
    return RunNode(MakeNode("TfIdfVectorizer", 1, 1, attrs), 9, {&x}).ok();
  };
  auto with = [](const std::string& key, Attribute value) {
    std::map<std::string, Attribute> attrs = BaseAttrs("TF");
    attrs[key] = value;
    return attrs;
  };
  EXPECT_FALSE(run(with("mode", StringAttr("BM25")), ints));
  EXPECT_FALSE(run(with("min_gram_length", IntAttr(0)), ints));
  EXPECT_FALSE(run(with("max_gram_length", IntAttr(0)), ints));
  EXPECT_FALSE(run(with("max_skip_count", IntAttr(-1)), ints));
  EXPECT_FALSE(run(with("ngram_indexes", IntsAttr({0, 1})), ints));
  EXPECT_FALSE(run(with("ngram_indexes", IntsAttr({0, 1, 2, 3, 4, 5, -6})), ints));
  EXPECT_FALSE(run(with("ngram_counts", IntsAttr({0, 11})), ints));
  EXPECT_FALSE(run(with("weights", Floats({1, 2})), ints));
  EXPECT_FALSE(run(with("pool_strings", Strings({"a"})), ints));
  EXPECT_FALSE(run(BaseAttrs("TF"), strings));
  EXPECT_FALSE(run(BaseAttrs("TF"), rank3));
}

}  // namespace
}  // namespace berth::engine::testing
