// Test helpers for the serving tests: models whose output tells which version ran, and
// writing them into a model repository folder.
#ifndef BERTH_SERVING_TEST_REPOSITORY_H_
#define BERTH_SERVING_TEST_REPOSITORY_H_

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/format/test_models.h"

namespace berth::serving::testing {

// y = Relu(x + b) over [N, 4] with b = {bias, 0, 0, 0}: for x = 0 the first output is the bias.
inline std::string ModelBytes(float bias) {
  onnx::ModelProto m = engine::testing::AddReluModel();
  onnx::TensorProto* b = m.mutable_graph()->mutable_initializer(0);
  b->clear_float_data();
  for (float v : {bias, 0.f, 0.f, 0.f}) b->add_float_data(v);
  return engine::testing::Serialize(m);
}

// Writes root/model/version/model.onnx.
inline void WriteVersion(const std::filesystem::path& root, const std::string& model,
                         int64_t version, const std::string& bytes) {
  const std::filesystem::path dir = root / model / std::to_string(version);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "model.onnx", std::ios::binary) << bytes;
}

}  // namespace berth::serving::testing

#endif  // BERTH_SERVING_TEST_REPOSITORY_H_
