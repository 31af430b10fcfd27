#include "infer_command.h"

#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli_util.h"
#include "common/status_macros.h"
#include "engine/core/tensor.h"
#include "engine/format/tensor_proto.h"
#include "engine/runtime/model.h"

namespace berth::cli {
namespace {

using engine::Tensor;
using engine::ValueInfo;

std::string InputNames(const std::vector<ValueInfo>& inputs) {
  return absl::StrJoin(inputs, ", ",
                       [](std::string* out, const ValueInfo& i) { out->append(i.name); });
}

absl::StatusOr<Tensor> ReadInput(const std::string& path, const ValueInfo& info) {
  RETURN_IF_ERROR(CheckReadableFile(path, "input file"));
  absl::StatusOr<Tensor> tensor = engine::ReadTensorFile(path);
  if (!tensor.ok()) {
    return AnnotateUnlessNamed(
        tensor.status(), path, absl::StrCat("input file '", path, "' is not a valid TensorProto"));
  }
  if (tensor->dtype() != info.dtype) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input file '", path, "' holds a ", engine::DataTypeName(tensor->dtype()),
        " tensor but model input '", info.name, "' is ", engine::DataTypeName(info.dtype)));
  }
  if (info.has_shape && static_cast<size_t>(tensor->rank()) != info.dims.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input file '", path, "' holds a tensor of shape ", engine::ShapeToString(tensor->shape()),
        " but model input '", info.name, "' has shape ", SignatureShapeToString(info)));
  }
  return tensor;
}

absl::Status MakeOutputsDir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return absl::OkStatus();
  if (std::filesystem::exists(dir, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--outputs-dir '", dir, "' exists and is not a directory"));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create --outputs-dir '", dir, "': ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

CLI::App* AddInferCommand(CLI::App& app, InferOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "infer", "Run a model once on TensorProto (.pb) inputs and write its outputs as .pb files");
  cmd->add_option("model", options->model_path, "ONNX model file")->required();
  // Not required: a model without inputs runs with none.
  cmd->add_option("--inputs", options->input_paths,
                  "TensorProto files, one per graph input, in graph input order");
  cmd->add_option("--outputs-dir", options->outputs_dir,
                  "Folder for output_0.pb, output_1.pb, ... (created if missing)")
      ->required();
  cmd->add_option("--threads", options->threads, "Intra-op threads (0 = one per core)")
      ->check(CLI::Range(0, 4096));
  return cmd;
}

absl::Status RunInfer(const InferOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<engine::Model> model,
                   LoadModel(options.model_path, options.threads));
  const std::vector<ValueInfo>& inputs = model->inputs();
  if (options.input_paths.size() != inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the model has ", inputs.size(), " input", inputs.size() == 1 ? "" : "s", " (",
        InputNames(inputs), ") but ", options.input_paths.size(), " --inputs file",
        options.input_paths.size() == 1 ? " was" : "s were", " given"));
  }
  std::vector<Tensor> tensors;
  tensors.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSIGN_OR_RETURN(Tensor tensor, ReadInput(options.input_paths[i], inputs[i]));
    tensors.push_back(std::move(tensor));
  }
  std::vector<const Tensor*> feeds;
  for (const Tensor& t : tensors) feeds.push_back(&t);

  RETURN_IF_ERROR(MakeOutputsDir(options.outputs_dir));
  std::vector<Tensor> results;
  absl::Status run = model->Run(feeds, &results);
  if (!run.ok()) return Annotate(run, "inference failed");
  const std::vector<ValueInfo>& outputs = model->outputs();
  if (results.size() != outputs.size()) {
    return absl::InternalError(absl::StrCat("the engine returned ", results.size(),
                                            " outputs for a model with ", outputs.size()));
  }
  for (size_t i = 0; i < results.size(); ++i) {
    std::string path =
        (std::filesystem::path(options.outputs_dir) / absl::StrCat("output_", i, ".pb")).string();
    absl::Status written = engine::WriteTensorFile(results[i], outputs[i].name, path);
    if (!written.ok()) return Annotate(written, absl::StrCat("cannot write '", path, "'"));
  }
  return absl::OkStatus();
}

}  // namespace berth::cli
