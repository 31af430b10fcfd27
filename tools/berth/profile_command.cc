#include "profile_command.h"

#include <algorithm>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/file_util.h"
#include "common/status_macros.h"
#include "dataset/dataset.h"
#include "engine/runtime/model.h"
#include "quality/profile.h"
#include "quality/profile_json.h"

namespace berth::cli {
namespace {

using engine::DataType;
using engine::Tensor;

bool IsModelFile(const std::string& target) { return absl::EndsWith(target, ".onnx"); }

template <typename T>
void CastInto(const Tensor& from, Tensor& to) {
  T* out = to.data<T>();
  quality::internal::VisitElements(from, 0, from.num_elements(), 1,
                                   [&](int64_t i, double v) { out[i] = static_cast<T>(v); });
}

// `tensor` as `dtype` (numeric types only); InvalidArgument naming the input otherwise.
absl::StatusOr<Tensor> ConvertTo(const std::string& name, Tensor tensor, DataType dtype) {
  if (tensor.dtype() == dtype) return tensor;
  Tensor out(dtype, tensor.shape());
  switch (dtype) {
    case DataType::kFloat:
      CastInto<float>(tensor, out);
      break;
    case DataType::kDouble:
      CastInto<double>(tensor, out);
      break;
    case DataType::kInt64:
      CastInto<int64_t>(tensor, out);
      break;
    case DataType::kInt32:
      CastInto<int32_t>(tensor, out);
      break;
    case DataType::kUint8:
      CastInto<uint8_t>(tensor, out);
      break;
    case DataType::kInt8:
      CastInto<int8_t>(tensor, out);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "dataset tensor '", name, "' is ", engine::DataTypeName(tensor.dtype()),
          " but the model takes ", engine::DataTypeName(dtype), ", which profile cannot convert"));
  }
  return out;
}

// The dataset's tensors in the model's input order, converted to the input types.
absl::StatusOr<std::vector<Tensor>> InputsFrom(const engine::Model& model,
                                               std::vector<dataset::NamedTensor> data) {
  std::vector<Tensor> inputs;
  for (const engine::TensorSignature& in : model.inputs()) {
    auto it = std::find_if(data.begin(), data.end(),
                           [&](const dataset::NamedTensor& t) { return t.name == in.name; });
    if (it == data.end()) {
      std::vector<std::string> names;
      for (const dataset::NamedTensor& t : data) names.push_back("'" + t.name + "'");
      return absl::InvalidArgumentError(absl::StrCat(
          "the dataset has no tensor '", in.name, "' for the model's input of that name (it has ",
          names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
    }
    ASSIGN_OR_RETURN(Tensor t, ConvertTo(in.name, std::move(it->tensor), in.dtype));
    inputs.push_back(std::move(t));
  }
  return inputs;
}

// The fixed first dimension of the model's inputs, or 0 when it takes any batch.
int64_t FixedBatch(const engine::Model& model) {
  for (const engine::TensorSignature& in : model.inputs()) {
    if (in.has_shape && !in.dims.empty() && in.dims[0].is_fixed()) return in.dims[0].value;
  }
  return 0;
}

absl::StatusOr<quality::Profile> ProfileModel(const std::string& model_path,
                                              const ProfileCommandOptions& options,
                                              const std::string& source) {
  ASSIGN_OR_RETURN(std::unique_ptr<engine::Model> model,
                   engine::Model::LoadFromFile(model_path, engine::ModelOptions{}));
  dataset::DatasetLimits limits;
  // A CSV file's feature columns form one tensor named after the model's single input.
  if (model->inputs().size() == 1) limits.csv.default_input_name = model->inputs()[0].name;
  limits.csv.label_column = options.label_column;
  ASSIGN_OR_RETURN(std::vector<dataset::NamedTensor> data,
                   dataset::ReadDataset(options.data, limits));
  int64_t rows = dataset::DatasetRows(data);
  ASSIGN_OR_RETURN(std::vector<Tensor> inputs, InputsFrom(*model, std::move(data)));
  if (options.max_rows > 0) rows = std::min(rows, options.max_rows);
  if (rows == 0) return absl::InvalidArgumentError("the dataset has no rows");
  const int64_t fixed = FixedBatch(*model);
  const int64_t batch = fixed > 0 ? fixed : options.batch;
  quality::ProfileBuilder builder(options.bins);
  for (int64_t begin = 0; begin < rows; begin += batch) {
    const int64_t count = std::min(batch, rows - begin);
    if (fixed > 0 && count < batch) break;  // a fixed batch dimension: whole batches only
    std::vector<Tensor> views;
    std::vector<const Tensor*> pointers;
    for (const Tensor& t : inputs) views.push_back(dataset::RowsView(t, begin, count));
    for (const Tensor& t : views) pointers.push_back(&t);
    std::vector<Tensor> outputs;
    absl::Status ran = model->Run(pointers, &outputs);
    if (!ran.ok()) {
      return absl::Status(ran.code(), absl::StrCat("rows ", begin, " to ", begin + count - 1,
                                                   " of the dataset: ", ran.message()));
    }
    for (size_t i = 0; i < views.size(); ++i) {
      RETURN_IF_ERROR(builder.Add(quality::TensorRole::kInput, model->inputs()[i].name, views[i]));
    }
    for (size_t i = 0; i < outputs.size() && i < model->outputs().size(); ++i) {
      absl::Status added =
          builder.Add(quality::TensorRole::kOutput, model->outputs()[i].name, outputs[i]);
      if (!added.ok()) PrintLine(absl::StrCat("note: ", added.message(), "; left out"));
    }
  }
  return builder.Finish(absl::Now(), source);
}

std::string Summary(const quality::Profile& p) {
  std::vector<std::string> parts;
  for (const quality::TensorProfile& t : p.tensors) {
    parts.push_back(absl::StrCat(quality::TensorRoleName(t.role), " '", t.name, "' (",
                                 quality::BinningKindName(t.kind), ", ", t.histograms.size(),
                                 t.histograms.size() == 1 ? " histogram)" : " histograms)"));
  }
  return absl::StrCat("profiled ", p.rows, " rows: ", absl::StrJoin(parts, ", "));
}

}  // namespace

CLI::App* AddProfileCommand(CLI::App& app, ProfileCommandOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "profile",
      "Make the reference profile (drift) of a registry version (NAME@REF) or a model file");
  cmd->add_option("target", options->target, "NAME@REF in the registry, or MODEL.onnx")->required();
  cmd->add_option("--data", options->data, "dataset file: .npy, .npz, .pb or .csv (repeatable)")
      ->required();
  cmd->add_option("--label-column", options->label_column,
                  "CSV: the column holding labels, not a model input ('' for none)")
      ->capture_default_str();
  cmd->add_option("-o,--output", options->output, "with MODEL.onnx: where to write the JSON");
  cmd->add_option("--rows", options->max_rows, "profile at most this many rows (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch", options->batch, "rows per model run")
      ->check(CLI::Range(int64_t{1}, int64_t{65536}))
      ->capture_default_str();
  cmd->add_option("--bins", options->bins, "quantile bins per feature")
      ->check(CLI::Range(2, quality::kMaxBins))
      ->capture_default_str();
  AddRegistryFlags(cmd, &options->registry);
  return cmd;
}

absl::Status RunProfile(const ProfileCommandOptions& options) {
  const std::string source = absl::StrJoin(options.data, ", ");
  if (IsModelFile(options.target)) {
    if (options.output.empty()) {
      return absl::InvalidArgumentError("profiling a model file needs -o FILE (profile.json)");
    }
    ASSIGN_OR_RETURN(quality::Profile profile, ProfileModel(options.target, options, source));
    RETURN_IF_ERROR(WriteStringToFile(options.output, quality::ProfileToJson(profile)));
    PrintLine(absl::StrCat(Summary(profile), "; written to ", options.output));
    return absl::OkStatus();
  }
  if (!options.output.empty()) {
    return absl::InvalidArgumentError(
        "-o is for a model file; NAME@REF stores the profile in "
        "the registry");
  }
  ASSIGN_OR_RETURN(auto name_ref, SplitNameRef(options.target));
  ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> registry, OpenRegistry(options.registry));
  ASSIGN_OR_RETURN(registry::ModelVersion version, registry->Show(name_ref.first, name_ref.second));
  ASSIGN_OR_RETURN(std::string path, registry->ArtifactPath(version));
  ASSIGN_OR_RETURN(quality::Profile profile, ProfileModel(path, options, source));
  ASSIGN_OR_RETURN(registry::VersionDocument doc,
                   registry->PutDocument(version.model, absl::StrCat(version.version),
                                         registry::kProfileDocument,
                                         quality::ProfileToJson(profile), Actor(options.registry)));
  PrintLine(absl::StrCat(Summary(profile), "; stored with ", doc.model, " version ", doc.version));
  return absl::OkStatus();
}

}  // namespace berth::cli
