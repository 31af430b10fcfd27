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
  absl::StatusOr<std::vector<NamedTensor>> unknown = ReadDataset({(dir_ / "x.txt").string()});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown extension"), std::string::npos);
  EXPECT_EQ(ReadDataset({(dir_ / "missing.npy").string()}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DatasetTest, ReadsCsvWithTheCallersInputName) {
  const std::string path = (dir_ / "tabular.csv").string();
  ASSERT_TRUE(WriteStringToFile(path, "a,b,label\r\n1,2,0\r\n3,4,1\r\n").ok());
  DatasetLimits limits;
  limits.csv.default_input_name = "features";
  absl::StatusOr<std::vector<NamedTensor>> all = ReadDataset({path}, limits);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "features");
  EXPECT_EQ((*all)[0].tensor.shape(), (engine::Shape{2, 2}));
  EXPECT_EQ((*all)[1].name, "label");
  EXPECT_EQ((*all)[1].tensor.dtype(), DataType::kInt64);
  EXPECT_EQ(DatasetRows(*all), 2);
  ASSERT_TRUE(WriteStringToFile(path, "a,b,label\n1,x,0\n").ok());
  absl::StatusOr<std::vector<NamedTensor>> bad = ReadDataset({path}, limits);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("tabular.csv: line 2, column 'b' (2)"), std::string::npos)
      << bad.status();
}

TEST(RowsViewTest, ViewsRowsWithoutCopying) {
  Tensor t(DataType::kInt32, {4, 2});
  for (int i = 0; i < 8; ++i) t.data<int32_t>()[i] = i;
  Tensor rows = RowsView(t, 1, 2);
  EXPECT_TRUE(rows.is_view());
  EXPECT_EQ(engine::ShapeToString(rows.shape()), "[2,2]");
  EXPECT_EQ(rows.data<int32_t>()[0], 2);
  EXPECT_EQ(rows.data<int32_t>()[3], 5);
  EXPECT_EQ(RowsView(t, 4, 0).num_elements(), 0);
}

}  // namespace
}  // namespace berth::dataset
