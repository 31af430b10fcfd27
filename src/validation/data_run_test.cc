#include "validation/data_run.h"

#include "common/file_util.h"
#include "dataset/npy.h"
#include "dataset/npz.h"
#include "gtest/gtest.h"
#include "validation/tensors.h"

namespace berth::validation {
namespace {

using engine::DataType;
using engine::Dim;
using engine::Tensor;
using engine::ValueInfo;

const std::vector<ValueInfo> kInputs = {
    ValueInfo{"x", DataType::kFloat, true, {Dim{-1, "N"}, Dim{2, ""}}}};

Tensor Make(DataType dtype, engine::Shape shape, std::vector<double> values) {
  return *FromDoubles(dtype, shape, values, "test");
}

std::string WriteNpz(const std::string& name, std::vector<dataset::NamedTensor> tensors) {
  const std::string path = ::testing::TempDir() + "/" + name;
  EXPECT_TRUE(WriteStringToFile(path, *dataset::EncodeNpz(tensors)).ok());
  return path;
}

std::string WriteNpy(const std::string& name, const Tensor& t) {
  const std::string path = ::testing::TempDir() + "/" + name;
  EXPECT_TRUE(WriteStringToFile(path, *dataset::EncodeNpy(t)).ok());
  return path;
}

std::vector<dataset::NamedTensor> XAnd(const std::string& label_name, Tensor labels) {
  std::vector<dataset::NamedTensor> t;
  t.push_back({"x", Make(DataType::kFloat, {3, 2}, {0, 1, 2, 3, 4, 5})});
  t.push_back({label_name, std::move(labels)});
  return t;
}

TEST(DataRunTest, LabelsComeFromTheDataTensorNamedLabels) {
  DataSpec spec;
  spec.files = {WriteNpz("d1.npz", XAnd("labels", Make(DataType::kInt64, {3}, {1, 0, 1})))};
  absl::StatusOr<Dataset> data = ReadValidationData(spec, kInputs);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->rows, 3);
  EXPECT_EQ(*data->labels, (std::vector<double>{1, 0, 1}));
  EXPECT_FALSE(data->float_labels);
  ASSERT_EQ(data->tensors.size(), 1u);  // the labels are not an input
  spec.max_rows = 2;
  data = ReadValidationData(spec, kInputs);
  EXPECT_EQ(data->rows, 2);
  EXPECT_EQ(data->labels->size(), 2u);
}

TEST(DataRunTest, ALabelsFileWinsAndFloatLabelsMeanRegression) {
  DataSpec spec;
  spec.files = {WriteNpz("d2.npz", XAnd("other", Make(DataType::kInt64, {3}, {0, 0, 0})))};
  spec.labels_file = WriteNpy("targets.npy", Make(DataType::kFloat, {3, 1}, {0.5, 1.5, 2.5}));
  absl::StatusOr<Dataset> data = ReadValidationData(spec, kInputs);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data->labels, (std::vector<double>{0.5, 1.5, 2.5}));
  EXPECT_TRUE(data->float_labels);
  spec.files = {WriteNpz("d3.npz", XAnd("y", Make(DataType::kInt64, {3}, {0, 0, 0})))};
  spec.labels_file.clear();
  data = ReadValidationData(spec, kInputs);
  ASSERT_TRUE(data.ok());
  EXPECT_FALSE(data->labels.has_value());  // unlabelled
}

TEST(DataRunTest, RefusesLabelsOfAnotherShapeOrRowCount) {
  DataSpec spec;
  spec.files = {
      WriteNpz("d4.npz", XAnd("label", Make(DataType::kInt64, {3, 2}, {0, 0, 0, 0, 0, 0})))};
  EXPECT_NE(ReadValidationData(spec, kInputs).status().message().find("one value per row"),
            std::string::npos);
  spec.files = {WriteNpz("d5.npz", XAnd("other", Make(DataType::kInt64, {3}, {0, 0, 0})))};
  spec.labels_file = WriteNpy("short.npy", Make(DataType::kInt64, {2}, {0, 1}));
  EXPECT_NE(
      ReadValidationData(spec, kInputs).status().message().find("have 2 rows but the data has 3"),
      std::string::npos);
}

TEST(DataRunTest, FixedBatchReadsTheFirstDimension) {
  EXPECT_EQ(FixedBatch(kInputs), 0);
  EXPECT_EQ(FixedBatch({ValueInfo{"x", DataType::kFloat, true, {Dim{4, ""}, Dim{2, ""}}}}), 4);
}

}  // namespace
}  // namespace berth::validation
