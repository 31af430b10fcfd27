// The engine's public API: load an ONNX model, inspect its signature, run it.
//
//   ModelOptions options;
//   options.intra_op_threads = 2;
//   ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::LoadFromFile("m.onnx", options));
//   std::vector<Tensor> outputs;
//   RETURN_IF_ERROR(model->Run({&input}, &outputs));
//
// Thread safety: a loaded Model is immutable; Run may be called from any number of threads
// at once. Each concurrent Run uses its own execution context (buffers and oneDNN stream),
// taken from a pool that grows to the peak concurrency and is reused afterwards.
#ifndef BERTH_ENGINE_RUNTIME_MODEL_H_
#define BERTH_ENGINE_RUNTIME_MODEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/graph/graph.h"

namespace berth::engine {

struct ModelOptions {
  // Threads each Run may use inside one operator (oneDNN's OpenMP team and our own loops).
  // 0 means one per core of the machine.
  int intra_op_threads = 0;
  // Run the graph passes (constant folding, fusions, layout). Off only for debugging.
  bool optimize = true;
  // With optimize: run convolution networks channels-last (off only to measure what it buys).
  bool channels_last = true;
  // Largest model file accepted, in bytes (the protobuf itself, external data excluded).
  uint64_t max_model_bytes = uint64_t{2} << 30;
};

// The declared signature of one graph input or output. Dims may be symbolic ("batch") or
// unknown (value -1 with an empty symbol).
using TensorSignature = ValueInfo;

// What `berth inspect` shows.
struct ModelSummary {
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) -> version
  std::string producer_name;
  std::string producer_version;
  std::map<std::string, int64_t> op_counts;  // op type -> nodes, as in the file
  int64_t parameter_count = 0;               // elements of all initializers
  int64_t parameter_bytes = 0;
  int64_t node_count = 0;  // as in the file
};

class ExecutionPlan;

class Model {
 public:
  // Loads and prepares the model at `path`. External data is read relative to the file's
  // folder. Fails with InvalidArgument for a malformed model, with Unimplemented for an
  // unsupported opset or operator (naming it), NotFound for a missing file.
  static absl::StatusOr<std::unique_ptr<Model>> LoadFromFile(const std::string& path,
                                                             const ModelOptions& options);
  // As LoadFromFile, from serialized bytes. External data, if the model has any, is read
  // relative to `external_data_dir`; with an empty dir, a model with external data fails.
  static absl::StatusOr<std::unique_ptr<Model>> LoadFromBytes(
      std::string_view bytes, const ModelOptions& options,
      const std::string& external_data_dir = "");

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::vector<TensorSignature>& inputs() const;
  const std::vector<TensorSignature>& outputs() const;
  const ModelSummary& summary() const;
  const ModelOptions& options() const;

  // Runs the model. `inputs` are in graph input order, one per input; they are read, not
  // kept. On success `outputs` holds one owning tensor per graph output, in order.
  // Fails with InvalidArgument naming the input when one is missing, null, of the wrong
  // type, or of a rank or shape that contradicts the signature (saying what was expected
  // and what came); with the failing node's name when an operator rejects its inputs.
  absl::Status Run(const std::vector<const Tensor*>& inputs, std::vector<Tensor>* outputs) const;

 private:
  Model();
  static absl::StatusOr<std::unique_ptr<Model>> Prepare(ModelGraph graph,
                                                        const ModelOptions& options);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_RUNTIME_MODEL_H_
