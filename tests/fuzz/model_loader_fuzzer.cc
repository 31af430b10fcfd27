// libFuzzer target: arbitrary bytes through the whole model load path (parse, validate,
// optimise, build kernels). Any input must give a model or an error, never a crash, a leak
// or undefined behaviour. Built with clang (`make fuzz`); replay_main.cc runs the seed corpus
// in ordinary builds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/runtime/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  berth::engine::ModelOptions options;
  options.intra_op_threads = 1;
  options.max_model_bytes = 1 << 20;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto model = berth::engine::Model::LoadFromBytes(bytes, options);
  if (!model.ok()) return 0;
  // A model that loads must also refuse missing inputs cleanly.
  std::vector<berth::engine::Tensor> outputs;
  (void)(*model)->Run({}, &outputs);
  return 0;
}
