#include "case_runner.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace berth::conformance {
namespace {

using engine::DataType;
using engine::Tensor;

TEST(ReinterpretLegacyBFloat16Test, Uint16DeclaredBFloat16BecomesBFloat16) {
  Tensor t(DataType::kUint16, {2});
  t.data<uint16_t>()[0] = engine::BFloat16(1.5f).bits;
  t.data<uint16_t>()[1] = engine::BFloat16(-2.0f).bits;
  ReinterpretLegacyBFloat16(DataType::kBFloat16, &t);
  ASSERT_EQ(t.dtype(), DataType::kBFloat16);
  EXPECT_EQ(t.shape(), engine::Shape{2});
  EXPECT_EQ(static_cast<float>(t.data<engine::BFloat16>()[0]), 1.5f);
  EXPECT_EQ(static_cast<float>(t.data<engine::BFloat16>()[1]), -2.0f);
}

TEST(ReinterpretLegacyBFloat16Test, OtherCombinationsUntouched) {
  Tensor u(DataType::kUint16, {1});
  ReinterpretLegacyBFloat16(DataType::kUint16, &u);
  EXPECT_EQ(u.dtype(), DataType::kUint16);
  Tensor f(DataType::kFloat, {1});
  ReinterpretLegacyBFloat16(DataType::kBFloat16, &f);
  EXPECT_EQ(f.dtype(), DataType::kFloat);
}

TEST(ListingTest, OrdersByNumberNotName) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / ("listing_case_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  for (int n : {0, 1, 10, 2}) {
    fs::create_directories(dir / ("test_data_set_" + std::to_string(n)));
    std::ofstream(dir / "test_data_set_0" / ("input_" + std::to_string(n) + ".pb")) << "";
  }
  fs::create_directories(dir / "test_data_set_x");
  std::ofstream(dir / "test_data_set_0" / "output_0.pb") << "";
  std::ofstream(dir / "test_data_set_0" / "input_3.txt") << "";

  std::vector<std::string> sets = ListDataSets(dir.string());
  ASSERT_EQ(sets.size(), 4u);
  EXPECT_EQ(fs::path(sets[2]).filename(), "test_data_set_2");
  EXPECT_EQ(fs::path(sets[3]).filename(), "test_data_set_10");
  std::vector<std::string> inputs = ListTensorFiles(sets[0], "input_");
  ASSERT_EQ(inputs.size(), 4u);
  EXPECT_EQ(fs::path(inputs[3]).filename(), "input_10.pb");
  EXPECT_EQ(ListTensorFiles(sets[0], "output_").size(), 1u);
  fs::remove_all(dir);
}

TEST(RunCaseTest, MissingOrBrokenCaseIsAFailNotACrash) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / ("broken_case_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  CaseResult none = RunCase(dir.string(), {});
  EXPECT_EQ(none.outcome, Outcome::kFail);
  std::ofstream(dir / "model.onnx") << "not a model";
  CaseResult garbage = RunCase(dir.string(), {});
  EXPECT_EQ(garbage.outcome, Outcome::kFail);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace berth::conformance
