// `berth infer MODEL.onnx --inputs in_0.pb ... --outputs-dir DIR [--threads T]`: runs a
// model once on TensorProto files and writes its outputs as TensorProto files.
#ifndef BERTH_TOOLS_BERTH_INFER_COMMAND_H_
#define BERTH_TOOLS_BERTH_INFER_COMMAND_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace berth::cli {

struct InferOptions {
  std::string model_path;
  std::vector<std::string> input_paths;  // graph input order
  std::string outputs_dir;
  int threads = 0;  // 0: one per core
};

CLI::App* AddInferCommand(CLI::App& app, InferOptions* options);

// Reads the inputs, checks their count and types against the model, runs it, and writes
// DIR/output_<i>.pb (named after graph output i), creating DIR if needed.
absl::Status RunInfer(const InferOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_INFER_COMMAND_H_
