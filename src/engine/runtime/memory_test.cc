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

TEST(MemoryTest, LoadPeaksUnderTwiceTheFileSize) {
  std::string path = std::string(::testing::TempDir()) + "/berth_big_model.onnx";
  int64_t file_bytes = 0;
  {
    std::string bytes = BigAddModel(int64_t{24} << 20);  // 96 MiB of weights
    file_bytes = static_cast<int64_t>(bytes.size());
    ASSERT_TRUE(WriteStringToFile(path, bytes).ok());
  }
  // Warm the libraries and the kernel registry with a small model first.
  ASSERT_TRUE(Model::LoadFromBytes(testing::Serialize(testing::AddReluModel()), ModelOptions())
                  .ok());
  ResetPeak();
  int64_t before = StatusKiB("VmRSS");
  auto model = Model::LoadFromFile(path, ModelOptions());
  ASSERT_TRUE(model.ok()) << model.status();
  int64_t peak = StatusKiB("VmHWM");
  ASSERT_GT(before, 0);
  int64_t growth_bytes = (peak - before) * 1024;
  EXPECT_LT(growth_bytes, 2 * file_bytes)
      << "load grew RSS by " << growth_bytes << " bytes for a " << file_bytes << "-byte file";
  std::remove(path.c_str());
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
