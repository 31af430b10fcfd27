// Memory contracts of loading and running: the load peak stays under twice the file size,
// and repeated load/run/unload cycles do not grow the process.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "common/file_util.h"
#include "engine/format/test_models.h"
#include "engine/runtime/model.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM").
int64_t StatusKiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

void ResetPeak() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

// y = x + w with w a [n] float initializer stored as raw_data.
std::string BigAddModel(int64_t n) {
  onnx::ModelProto m = testing::AddReluModel();
  onnx::GraphProto* g = m.mutable_graph();
  g->clear_input();
  g->clear_output();
  testing::AddValueInfo(g->mutable_input(), "x", {n});
  testing::AddValueInfo(g->mutable_output(), "y", {n});
  onnx::TensorProto* b = g->mutable_initializer(0);
  b->clear_float_data();
  b->clear_dims();
  b->add_dims(n);
  b->set_raw_data(std::string(static_cast<size_t>(n) * 4, '\0'));
  return testing::Serialize(m);
}

// x [1, c, 8, 8] through `convs` 3x3 convolutions c -> c: weights the convolution kernel
// repacks into oneDNN's layout at load.
std::string ConvChainModel(int convs, int64_t c) {
  onnx::ModelProto m = testing::AddReluModel();
  onnx::GraphProto* g = m.mutable_graph();
  g->clear_input();
  g->clear_output();
  g->clear_initializer();
  g->clear_node();
  testing::AddValueInfo(g->mutable_input(), "x", {1, c, 8, 8});
  std::string prev = "x";
  for (int i = 0; i < convs; ++i) {
    const std::string w = "w" + std::to_string(i), y = "y" + std::to_string(i);
    onnx::TensorProto* t = g->add_initializer();
    t->set_name(w);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {c, c, int64_t{3}, int64_t{3}}) t->add_dims(d);
    t->set_raw_data(std::string(static_cast<size_t>(c * c * 9) * 4, '\0'));
    onnx::NodeProto* conv = g->add_node();
    conv->set_op_type("Conv");
    conv->set_name("conv" + std::to_string(i));
    conv->add_input(prev);
    conv->add_input(w);
    conv->add_output(y);
    onnx::AttributeProto* pads = conv->add_attribute();
    pads->set_name("pads");
    pads->set_type(onnx::AttributeProto::INTS);
    for (int k = 0; k < 4; ++k) pads->add_ints(1);
    prev = y;
  }
  testing::AddValueInfo(g->mutable_output(), prev, {1, c, 8, 8});
  return testing::Serialize(m);
}

// ASan keeps freed memory in quarantine and pads every block, so RSS peaks measure ASan,
// not berth; LeakSanitizer covers the same code for leaks in that build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAddressSanitizer = true;
#else
constexpr bool kUnderAddressSanitizer = false;
#endif

// RSS growth at the peak of loading `bytes` from a file, with the libraries already warm.
int64_t LoadPeakGrowth(const std::string& bytes) {
  // Per process: an ASan and a release build of this test may run at once.
  std::string path = std::string(::testing::TempDir()) + "/berth_big_model_" +
                     std::to_string(::getpid()) + ".onnx";
  EXPECT_TRUE(WriteStringToFile(path, bytes).ok());
  EXPECT_TRUE(Model::LoadFromBytes(testing::Serialize(testing::AddReluModel()), ModelOptions())
                  .ok());
  ResetPeak();
  int64_t before = StatusKiB("VmRSS");
  auto model = Model::LoadFromFile(path, ModelOptions());
  EXPECT_TRUE(model.ok()) << model.status();
  int64_t peak = StatusKiB("VmHWM");
  EXPECT_GT(before, 0);
  std::remove(path.c_str());
  return (peak - before) * 1024;
}

TEST(MemoryTest, LoadPeaksUnderTwiceTheFileSize) {
  if (kUnderAddressSanitizer) GTEST_SKIP() << "RSS peaks are not meaningful under ASan";
  const std::string bytes = BigAddModel(int64_t{24} << 20);  // 96 MiB of weights
  const int64_t file_bytes = static_cast<int64_t>(bytes.size());
  const int64_t growth_bytes = LoadPeakGrowth(bytes);
  EXPECT_LT(growth_bytes, 2 * file_bytes)
      << "load grew RSS by " << growth_bytes << " bytes for a " << file_bytes << "-byte file";
}

// Repacked weights must not coexist with all the originals: each original goes as soon as
// its kernel has its own copy.
TEST(MemoryTest, RepackedWeightsPeakUnderTwiceTheFileSize) {
  if (kUnderAddressSanitizer) GTEST_SKIP() << "RSS peaks are not meaningful under ASan";
  const std::string bytes = ConvChainModel(12, 512);  // 12 x 9 MiB of weights
  const int64_t file_bytes = static_cast<int64_t>(bytes.size());
  const int64_t growth_bytes = LoadPeakGrowth(bytes);
  EXPECT_LT(growth_bytes, 2 * file_bytes)
      << "load grew RSS by " << growth_bytes << " bytes for a " << file_bytes << "-byte file";
  std::printf("conv chain: %.0f MiB file, load peak +%.0f MiB (%.2fx)\n", file_bytes / 1048576.0,
              growth_bytes / 1048576.0, static_cast<double>(growth_bytes) / file_bytes);
}

TEST(MemoryTest, RepeatedLoadRunUnloadDoesNotGrow) {
  std::string bytes = testing::Serialize(testing::AddReluModel());
  auto cycle = [&] {
    auto model = Model::LoadFromBytes(bytes, ModelOptions());
    ASSERT_TRUE(model.ok()) << model.status();
    Tensor x(DataType::kFloat, {8, 4});
    std::vector<Tensor> out;
    ASSERT_TRUE((*model)->Run({&x}, &out).ok());
  };
  for (int i = 0; i < 20; ++i) cycle();
  int64_t before = StatusKiB("VmRSS");
  for (int i = 0; i < 200; ++i) cycle();
  int64_t after = StatusKiB("VmRSS");
  EXPECT_LT((after - before) * 1024, 10 << 20) << "RSS grew from " << before << " to " << after
                                               << " KiB over 200 cycles";
}

}  // namespace
}  // namespace berth::engine
