#include "validation/signature_check.h"

#include "gtest/gtest.h"

namespace berth::validation {
namespace {

using engine::DataType;
using engine::Dim;
using engine::ValueInfo;

// Each line of `got` holds the matching part of `want`, in order.
void ExpectLines(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  ASSERT_EQ(got.size(), want.size()) << (got.empty() ? "" : got[0]);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NE(got[i].find(want[i]), std::string::npos) << got[i] << " lacks " << want[i];
  }
}

ValueInfo Info(const std::string& name, DataType dtype, std::vector<Dim> dims) {
  return ValueInfo{name, dtype, true, std::move(dims)};
}
Dim Fixed(int64_t v) { return Dim{v, ""}; }
Dim Sym(const std::string& s) { return Dim{-1, s}; }

const std::vector<ValueInfo> kIn = {
    Info("image", DataType::kFloat, {Sym("N"), Fixed(1), Fixed(8)})};
const std::vector<ValueInfo> kOut = {Info("logits", DataType::kFloat, {Sym("N"), Fixed(10)})};

TEST(SignatureCheckTest, SameSignatureHasNoDifferences) {
  SignatureDiff d = CompareSignatures(kIn, kOut, kIn, kOut);
  EXPECT_TRUE(d.breaks.empty());
  EXPECT_TRUE(d.compatible.empty());
}

TEST(SignatureCheckTest, RenamedInputAndOutputBreak) {
  std::vector<ValueInfo> in = kIn;
  in[0].name = "pixels";
  std::vector<ValueInfo> out = kOut;
  out[0].name = "scores";
  SignatureDiff d = CompareSignatures(kIn, kOut, in, out);
  ExpectLines(d.breaks, {"input 'image' is gone", "new input 'pixels' is required",
                         "output 'logits' is gone"});
  ExpectLines(d.compatible, {"new output 'scores'"});
}

TEST(SignatureCheckTest, TypeRankAndDimensionChangesBreak) {
  std::vector<ValueInfo> in = {Info("image", DataType::kFloat, {Fixed(4), Fixed(1), Fixed(9)})};
  std::vector<ValueInfo> out = {Info("logits", DataType::kInt64, {Sym("N"), Fixed(10)})};
  SignatureDiff d = CompareSignatures(kIn, kOut, in, out);
  ExpectLines(d.breaks, {"input 'image' dimension 0 narrowed from N to 4",
                         "input 'image' dimension 2 changed from 8 to 9",
                         "output 'logits' changed type from float"});
  in = {Info("image", DataType::kFloat, {Sym("N"), Fixed(64)})};
  d = CompareSignatures(kIn, kOut, in, kOut);
  ExpectLines(d.breaks, {"changed rank from 3 to 2"});
}

TEST(SignatureCheckTest, WiderInputsAndNewOutputsAreCompatible) {
  std::vector<ValueInfo> in = {Info("image", DataType::kFloat, {Sym("N"), Fixed(1), Sym("W")})};
  std::vector<ValueInfo> out = kOut;
  out.push_back(Info("probs", DataType::kFloat, {Sym("N"), Fixed(10)}));
  SignatureDiff d = CompareSignatures(kIn, kOut, in, out);
  EXPECT_TRUE(d.breaks.empty());
  ExpectLines(d.compatible, {"dimension 2 widened from 8 to W", "new output 'probs'"});
}

TEST(SignatureCheckTest, AnOutputDimensionThatIsNoLongerFixedBreaks) {
  std::vector<ValueInfo> out = {Info("logits", DataType::kFloat, {Sym("N"), Sym("C")})};
  SignatureDiff d = CompareSignatures(kIn, kOut, kIn, out);
  ExpectLines(d.breaks, {"output 'logits' dimension 1 widened from 10"});
}

}  // namespace
}  // namespace berth::validation
