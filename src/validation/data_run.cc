#include "validation/data_run.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "validation/tensors.h"

namespace berth::validation {
namespace {

using dataset::NamedTensor;
using engine::Tensor;

bool IsLabelName(const std::string& name) { return name == "label" || name == "labels"; }

bool IsInputName(const std::vector<engine::ValueInfo>& inputs, const std::string& name) {
  return std::any_of(inputs.begin(), inputs.end(),
                     [&](const engine::ValueInfo& v) { return v.name == name; });
}

// Takes the labels tensor out of `tensors`: the only one when `only` says so, else the one
// named label/labels that is not a model input. Empty when there is none.
std::optional<NamedTensor> TakeLabels(std::vector<NamedTensor>& tensors, bool only,
                                      const std::vector<engine::ValueInfo>& inputs) {
  auto it = tensors.end();
  if (only && tensors.size() == 1) {
    it = tensors.begin();
  } else {
    it = std::find_if(tensors.begin(), tensors.end(), [&](const NamedTensor& t) {
      return IsLabelName(t.name) && !IsInputName(inputs, t.name);
    });
  }
  if (it == tensors.end()) return std::nullopt;
  NamedTensor labels = std::move(*it);
  tensors.erase(it);
  return labels;
}

absl::StatusOr<std::vector<double>> LabelValues(const NamedTensor& t, int64_t rows) {
  const bool column = t.tensor.rank() == 2 && t.tensor.dim(1) == 1;
  if (t.tensor.rank() != 1 && !column) {
    return absl::InvalidArgumentError(
        absl::StrCat("labels '", t.name, "' must be one value per row ([N] or [N, 1])"));
  }
  if (t.tensor.dim(0) != rows) {
    return absl::InvalidArgumentError(absl::StrCat("labels '", t.name, "' have ", t.tensor.dim(0),
                                                   " rows but the data has ", rows));
  }
  return ToDoubles(t.tensor, absl::StrCat("labels '", t.name, "'"));
}

}  // namespace

absl::StatusOr<Dataset> ReadValidationData(const DataSpec& spec,
                                           const std::vector<engine::ValueInfo>& inputs) {
  dataset::DatasetLimits limits;
  if (inputs.size() == 1) limits.csv.default_input_name = inputs[0].name;
  limits.csv.label_column = spec.label_column;
  if (spec.float_labels) limits.csv.label_type = dataset::CsvLabelType::kFloat;
  Dataset data;
  ASSIGN_OR_RETURN(data.tensors, dataset::ReadDataset(spec.files, limits));
  data.rows_in_files = dataset::DatasetRows(data.tensors);
  std::optional<NamedTensor> labels;
  if (!spec.labels_file.empty()) {
    ASSIGN_OR_RETURN(std::vector<NamedTensor> label_file,
                     dataset::ReadDatasetFile(spec.labels_file, limits));
    labels = TakeLabels(label_file, /*only=*/true, {});
    if (!labels) {
      return absl::InvalidArgumentError(
          absl::StrCat("labels file ", spec.labels_file,
                       " must hold one tensor, or one named 'label' or 'labels'"));
    }
  } else {
    labels = TakeLabels(data.tensors, /*only=*/false, inputs);
  }
  if (labels) {
    ASSIGN_OR_RETURN(std::vector<double> values, LabelValues(*labels, data.rows_in_files));
    data.float_labels = IsFloatingType(labels->tensor.dtype());
    data.labels = std::move(values);
  }
  data.rows = std::min(data.rows_in_files, spec.max_rows);
  if (data.labels) data.labels->resize(data.rows);
  return data;
}

absl::StatusOr<std::vector<Tensor>> InputsFor(const engine::Model& model, const Dataset& data) {
  std::vector<Tensor> out;
  for (const engine::ValueInfo& in : model.inputs()) {
    auto it = std::find_if(data.tensors.begin(), data.tensors.end(),
                           [&](const NamedTensor& t) { return t.name == in.name; });
    if (it == data.tensors.end()) {
      std::vector<std::string> names;
      for (const NamedTensor& t : data.tensors) names.push_back(absl::StrCat("'", t.name, "'"));
      return absl::InvalidArgumentError(absl::StrCat(
          "the data has no tensor '", in.name, "' for the model's input of that name (it has ",
          names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
    }
    ASSIGN_OR_RETURN(Tensor t, ConvertTensor(it->tensor.Clone(), in.dtype,
                                             absl::StrCat("data tensor '", in.name, "'")));
    out.push_back(std::move(t));
  }
  return out;
}

int64_t FixedBatch(const std::vector<engine::ValueInfo>& inputs) {
  for (const engine::ValueInfo& in : inputs) {
    if (in.has_shape && !in.dims.empty() && in.dims[0].is_fixed()) return in.dims[0].value;
  }
  return 0;
}

absl::StatusOr<std::vector<CollectedOutput>> RunOverRows(const engine::Model& model,
                                                         const std::vector<Tensor>& inputs,
                                                         int64_t rows, int64_t batch,
                                                         int64_t max_values) {
  const int64_t fixed = FixedBatch(model.inputs());
  if (fixed > 0) batch = fixed;
  batch = std::max<int64_t>(batch, 1);
  std::vector<CollectedOutput> collected(model.outputs().size());
  for (size_t i = 0; i < collected.size(); ++i) collected[i].name = model.outputs()[i].name;
  int64_t total = 0;
  for (int64_t begin = 0; begin < rows; begin += batch) {
    const int64_t count = std::min(batch, rows - begin);
    if (fixed > 0 && count < batch) break;  // whole batches only
    std::vector<Tensor> views;
    std::vector<const Tensor*> pointers;
    for (const Tensor& t : inputs) views.push_back(RowsView(t, begin, count));
    for (const Tensor& t : views) pointers.push_back(&t);
    std::vector<Tensor> outputs;
    absl::Status ran = model.Run(pointers, &outputs);
    if (!ran.ok()) {
      return absl::Status(
          ran.code(), absl::StrCat("rows ", begin, " to ", begin + count - 1, ": ", ran.message()));
    }
    for (size_t i = 0; i < outputs.size() && i < collected.size(); ++i) {
      CollectedOutput& c = collected[i];
      const Tensor& o = outputs[i];
      if (o.rank() == 0 || o.dim(0) != count) {
        return absl::InvalidArgumentError(absl::StrCat(
            "output '", c.name, "' does not have one row per input row (", count, ")"));
      }
      total += o.num_elements();
      if (total > max_values) {
        return absl::ResourceExhaustedError(absl::StrCat("the outputs over ", rows, " rows pass ",
                                                         max_values, " values; use fewer rows"));
      }
      ASSIGN_OR_RETURN(std::vector<double> values,
                       ToDoubles(o, absl::StrCat("output '", c.name, "'")));
      c.dtype = o.dtype();
      c.row_elements = count == 0 ? 0 : o.num_elements() / count;
      c.rows += count;
      c.values.insert(c.values.end(), values.begin(), values.end());
    }
  }
  return collected;
}

}  // namespace berth::validation
