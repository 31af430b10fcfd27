// Pruning real models: the digits fixture's accuracy on its test split before and after, and
// (with BERTH_BENCH_MODELS_DIR set) resnet18 and mobilenet_v2 from the benchmark models.
// Figures are printed so that docs/OPTIMIZATION.md can quote them.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "dataset/dataset.h"
#include "engine/runtime/model.h"
#include "gtest/gtest.h"
#include "optimize/prune.h"
#include "optimize/prune_test_util.h"

namespace berth::optimize {
namespace {

onnx::ModelProto LoadModel(const std::string& path) {
  onnx::ModelProto m;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  EXPECT_TRUE(m.ParseFromIstream(&in)) << "cannot parse " << path;
  return m;
}

// With BERTH_PRUNE_OUT_DIR set, writes `m` there as NAME.onnx (to run it in ONNX Runtime and
// time it with `berth bench`: docs/OPTIMIZATION.md).
void WriteIfAsked(const onnx::ModelProto& m, const std::string& name) {
  const char* dir = std::getenv("BERTH_PRUNE_OUT_DIR");
  if (dir == nullptr) return;
  const std::string path = std::string(dir) + "/" + name + ".onnx";
  std::ofstream f(path, std::ios::binary);
  EXPECT_TRUE(m.SerializeToOstream(&f)) << "cannot write " << path;
}

// Rows of the digits test split the model classifies right.
int64_t DigitsCorrect(const onnx::ModelProto& m) {
  absl::StatusOr<std::vector<dataset::NamedTensor>> data =
      dataset::ReadDatasetFile(std::string(BERTH_FIXTURES_DIR) + "/digits_test.npz");
  EXPECT_TRUE(data.ok()) << data.status();
  if (!data.ok()) return -1;
  const engine::Tensor* images = nullptr;
  const engine::Tensor* labels = nullptr;
  for (const dataset::NamedTensor& t : *data) {
    if (t.name == "image") images = &t.tensor;
    if (t.name == "labels") labels = &t.tensor;
  }
  EXPECT_TRUE(images != nullptr && labels != nullptr);
  if (images == nullptr || labels == nullptr) return -1;
  std::vector<int64_t> shape;
  absl::StatusOr<std::vector<float>> logits = testing::RunModel(m, *images, &shape);
  EXPECT_TRUE(logits.ok()) << logits.status();
  if (!logits.ok()) return -1;
  const int64_t rows = images->dim(0);
  EXPECT_EQ(shape, (std::vector<int64_t>{rows, 10}));
  int64_t correct = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = logits->data() + r * 10;
    const int64_t best = std::max_element(row, row + 10) - row;
    correct += best == labels->data<int64_t>()[r];
  }
  return correct;
}

constexpr int64_t kDigitsRows = 359;
constexpr int64_t kDigitsCorrect = 350;  // accuracy.json

double Points(int64_t correct) { return 100.0 * static_cast<double>(correct) / kDigitsRows; }

TEST(PruneDigitsTest, HalfTheWeightsByMagnitudeLoseAtMostTwoPoints) {
  onnx::ModelProto m = LoadModel(std::string(BERTH_FIXTURES_DIR) + "/digits_cnn.onnx");
  ASSERT_EQ(DigitsCorrect(m), kDigitsCorrect);
  absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, false});
  ASSERT_TRUE(report.ok()) << report.status();
  // The first convolution reads the image directly and stays dense.
  EXPECT_EQ(report->tensors, 2);
  EXPECT_EQ(report->skipped.size(), 1u);
  EXPECT_EQ(report->zeroed, report->weights / 2);
  const int64_t correct = DigitsCorrect(m);
  WriteIfAsked(m, "digits_cnn-magnitude50");
  std::cout << "digits magnitude 0.5: top-1 " << correct << "/" << kDigitsRows << " = "
            << Points(correct) << "% (before " << Points(kDigitsCorrect) << "%), " << report->zeroed
            << " of " << report->weights << " weights zeroed, bytes " << report->bytes_before
            << " -> " << report->bytes_after << "\n";
  EXPECT_LE(Points(kDigitsCorrect) - Points(correct), 2.0);
}

TEST(PruneDigitsTest, StructuredPruningShrinksAndRuns) {
  for (double sparsity : {0.25, 0.5}) {
    onnx::ModelProto m = LoadModel(std::string(BERTH_FIXTURES_DIR) + "/digits_cnn.onnx");
    absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{sparsity, true});
    ASSERT_TRUE(report.ok()) << report.status();
    // The second convolution loses channels (they feed Flatten -> Gemm); the first reads the
    // image directly and keeps its own.
    EXPECT_EQ(report->tensors, 1);
    EXPECT_EQ(report->channels_removed, static_cast<int64_t>(16 * sparsity));
    EXPECT_EQ(report->skipped.size(), 1u);
    EXPECT_LT(report->bytes_after, report->bytes_before);
    const int64_t correct = DigitsCorrect(m);
    WriteIfAsked(m, "digits_cnn-structured" + std::to_string(static_cast<int>(sparsity * 100)));
    std::cout << "digits structured " << sparsity << ": top-1 " << correct << "/" << kDigitsRows
              << " = " << Points(correct) << "% (before " << Points(kDigitsCorrect)
              << "%), channels removed " << report->channels_removed << ", bytes "
              << report->bytes_before << " -> " << report->bytes_after << "\n";
    // No fine-tuning: accuracy drops, but the model still classifies (chance is 10%).
    EXPECT_GT(correct, kDigitsRows / 2);
  }
}

// With BERTH_BENCH_MODELS_DIR: prunes MODEL.onnx from there both ways, checks that the result
// loads and runs in the engine with the output shape of the original, and that structured
// pruning shrank it (WriteIfAsked: MODEL-magnitude50 and MODEL-structured50).
TEST(PruneBenchModelsTest, PrunedModelsRunWithTheSameOutputShape) {
  const char* dir = std::getenv("BERTH_BENCH_MODELS_DIR");
  if (dir == nullptr) GTEST_SKIP() << "BERTH_BENCH_MODELS_DIR is not set";
  for (const std::string name : {"resnet18", "mobilenet_v2"}) {
    const onnx::ModelProto original = LoadModel(std::string(dir) + "/" + name + ".onnx");
    const engine::Tensor input = testing::RandomInput({1, 3, 224, 224});
    std::vector<int64_t> shape_before;
    ASSERT_TRUE(testing::RunModel(original, input, &shape_before).ok());
    for (bool structured : {false, true}) {
      onnx::ModelProto m = original;
      absl::StatusOr<PruneReport> report = PruneModel(m, PruneOptions{0.5, structured});
      ASSERT_TRUE(report.ok()) << report.status();
      std::vector<int64_t> shape_after;
      absl::StatusOr<std::vector<float>> out = testing::RunModel(m, input, &shape_after);
      ASSERT_TRUE(out.ok()) << name << ": " << out.status();
      EXPECT_EQ(shape_after, shape_before);
      std::cout << name << (structured ? " structured" : " magnitude") << " 0.5: tensors "
                << report->tensors << ", zeroed " << report->zeroed << ", channels removed "
                << report->channels_removed << ", skipped " << report->skipped.size() << ", bytes "
                << report->bytes_before << " -> " << report->bytes_after << "\n";
      for (const std::string& s : report->skipped) std::cout << "  skipped " << s << "\n";
      if (structured) {
        EXPECT_LT(report->bytes_after, report->bytes_before * 3 / 4);
      }
      WriteIfAsked(m, name + (structured ? "-structured50" : "-magnitude50"));
    }
  }
}

}  // namespace
}  // namespace berth::optimize
