#include "dataset/dataset.h"

#include <filesystem>
#include <string>

#include "common/file_util.h"
#include "dataset/npy.h"
#include "engine/format/tensor_proto.h"
#include "gtest/gtest.h"

namespace berth::dataset {
namespace {

using engine::DataType;
using engine::Tensor;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }
  std::string WriteNpy(const std::string& file, const Tensor& t) {
    const std::string path = (dir_ / file).string();
    EXPECT_TRUE(WriteStringToFile(path, *EncodeNpy(t)).ok());
    return path;
  }
  std::filesystem::path dir_;
};

Tensor Rows(int64_t rows, int64_t cols) {
  Tensor t(DataType::kFloat, {rows, cols});
  for (int64_t i = 0; i < rows * cols; ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

TEST_F(DatasetTest, ReadsEveryFormatWithItsName) {
  const std::string npy = WriteNpy("input.npy", Rows(5, 3));
  const std::string pb = (dir_ / "whatever.pb").string();
  ASSERT_TRUE(engine::WriteTensorFile(Rows(5, 1), "label", pb).ok());
  std::vector<NamedTensor> members;
  members.push_back({"extra", Rows(5, 2)});
  const std::string npz = (dir_ / "more.npz").string();
  ASSERT_TRUE(WriteStringToFile(npz, *EncodeNpz(members)).ok());
  absl::StatusOr<std::vector<NamedTensor>> all = ReadDataset({npy, pb, npz});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "input");
  EXPECT_EQ((*all)[1].name, "label");
  EXPECT_EQ((*all)[2].name, "extra");
  EXPECT_EQ(DatasetRows(*all), 5);
}

TEST_F(DatasetTest, RefusesInconsistentDatasets) {
  const std::string a = WriteNpy("a.npy", Rows(5, 3));
  const std::string b = WriteNpy("b.npy", Rows(4, 3));
  absl::StatusOr<std::vector<NamedTensor>> rows = ReadDataset({a, b});
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("has 4 rows but 'a' has 5"), std::string::npos)
      << rows.status();
  absl::StatusOr<std::vector<NamedTensor>> twice = ReadDataset({a, a});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("given twice"), std::string::npos);
  Tensor scalar(DataType::kFloat, {});
  absl::StatusOr<std::vector<NamedTensor>> s = ReadDataset({WriteNpy("s.npy", scalar)});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("scalar"), std::string::npos);
  absl::StatusOr<std::vector<NamedTensor>> csv = ReadDataset({(dir_ / "x.csv").string()});
  ASSERT_FALSE(csv.ok());
  EXPECT_NE(csv.status().message().find("unknown extension"), std::string::npos);
  EXPECT_EQ(ReadDataset({(dir_ / "missing.npy").string()}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace berth::dataset
