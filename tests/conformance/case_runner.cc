#include "case_runner.h"

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/file_util.h"
#include "engine/format/tensor_proto.h"
#include "engine/runtime/model.h"

namespace berth::conformance {
namespace {

namespace fs = std::filesystem;
using engine::Tensor;

// Entries of `dir` named prefix + N + suffix, ordered by N.
std::vector<std::string> ListNumbered(const std::string& dir, const std::string& prefix,
                                      const std::string& suffix, bool want_dirs) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, prefix) || !absl::EndsWith(name, suffix)) continue;
    if (name.size() <= prefix.size() + suffix.size()) continue;
    int64_t n;
    if (!absl::SimpleAtoi(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()),
                          &n)) {
      continue;
    }
    if (entry.is_directory(ec) != want_dirs) continue;
    found.emplace_back(n, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& [n, path] : found) paths.push_back(std::move(path));
  return paths;
}

CaseResult Result(Outcome outcome, std::string reason) { return {outcome, std::move(reason)}; }

// The data set's input files as parsed protos, by graph input name (positional when the
// files carry no names), for CheckScope's Dropout rule.
std::map<std::string, onnx::TensorProto> ScopeFeeds(const onnx::ModelProto& model,
                                                   const std::vector<std::string>& files) {
  std::vector<std::string> graph_inputs;
  std::map<std::string, bool> is_initializer;
  for (const onnx::TensorProto& init : model.graph().initializer()) {
    is_initializer[init.name()] = true;
  }
  for (const onnx::ValueInfoProto& in : model.graph().input()) {
    if (!is_initializer.count(in.name())) graph_inputs.push_back(in.name());
  }
  std::map<std::string, onnx::TensorProto> feeds;
  for (size_t i = 0; i < files.size(); ++i) {
    absl::StatusOr<std::string> bytes = ReadFileToString(files[i]);
    onnx::TensorProto proto;
    if (!bytes.ok() || !proto.ParseFromString(*bytes)) continue;
    std::string name = proto.name();
    if (name.empty() && i < graph_inputs.size()) name = graph_inputs[i];
    feeds[name] = std::move(proto);
  }
  return feeds;
}

}  // namespace

void ReinterpretLegacyBFloat16(engine::DataType declared, Tensor* tensor) {
  if (declared != engine::DataType::kBFloat16 || tensor->dtype() != engine::DataType::kUint16) {
    return;
  }
  Tensor converted(engine::DataType::kBFloat16, tensor->shape());
  if (tensor->byte_size() > 0) {
    std::memcpy(converted.raw_data(), tensor->raw_data(), tensor->byte_size());
  }
  *tensor = std::move(converted);
}

namespace {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// For each model input, the index of its data-set file: by name when every model input is
// named by a file, else by position.
absl::StatusOr<std::vector<size_t>> MatchInputs(const std::vector<engine::ValueInfo>& inputs,
                                                const std::vector<NamedTensor>& files) {
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!files[i].name.empty()) by_name[files[i].name] = i;
  }
  bool all_named = true;
  for (const engine::ValueInfo& in : inputs) all_named = all_named && by_name.count(in.name);
  std::vector<size_t> order;
  if (all_named) {
    for (const engine::ValueInfo& in : inputs) order.push_back(by_name[in.name]);
    return order;
  }
  if (files.size() != inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the data set has ", files.size(),
                                                   " input files, the model ", inputs.size(),
                                                   " inputs"));
  }
  for (size_t i = 0; i < files.size(); ++i) order.push_back(i);
  return order;
}

// Runs one data set; an empty string means it passed.
std::string RunDataSet(const engine::Model& model, const std::string& dir,
                       const Tolerance& tolerance) {
  std::vector<NamedTensor> inputs;
  for (const std::string& path : ListTensorFiles(dir, "input_")) {
    NamedTensor t;
    absl::StatusOr<Tensor> tensor = engine::ReadTensorFile(path, &t.name);
    if (!tensor.ok()) {
      return absl::StrCat("reading ", fs::path(path).filename().string(), ": ",
                          tensor.status().message());
    }
    t.tensor = std::move(*tensor);
    inputs.push_back(std::move(t));
  }
  absl::StatusOr<std::vector<size_t>> order = MatchInputs(model.inputs(), inputs);
  if (!order.ok()) return std::string(order.status().message());
  std::vector<const Tensor*> feeds;
  for (size_t i = 0; i < order->size(); ++i) {
    Tensor* tensor = &inputs[(*order)[i]].tensor;
    ReinterpretLegacyBFloat16(model.inputs()[i].dtype, tensor);
    feeds.push_back(tensor);
  }

  std::vector<Tensor> outputs;
  absl::Status run = model.Run(feeds, &outputs);
  if (!run.ok()) return absl::StrCat("run error: ", run.ToString());

  std::vector<std::string> expected_files = ListTensorFiles(dir, "output_");
  if (expected_files.size() != outputs.size()) {
    return absl::StrCat("the engine gave ", outputs.size(), " outputs, the data set has ",
                        expected_files.size());
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    absl::StatusOr<Tensor> expected = engine::ReadTensorFile(expected_files[i]);
    if (!expected.ok()) {
      return absl::StrCat("reading output_", i, ".pb: ", expected.status().message());
    }
    ReinterpretLegacyBFloat16(model.outputs()[i].dtype, &*expected);
    absl::Status same = CompareTensors(*expected, outputs[i], tolerance);
    if (!same.ok()) {
      return absl::StrCat("output ", i, " '", model.outputs()[i].name, "': ", same.message());
    }
  }
  return "";
}

}  // namespace

std::vector<std::string> ListDataSets(const std::string& case_dir) {
  return ListNumbered(case_dir, "test_data_set_", "", /*want_dirs=*/true);
}

std::vector<std::string> ListTensorFiles(const std::string& data_set_dir,
                                         const std::string& prefix) {
  return ListNumbered(data_set_dir, prefix, ".pb", /*want_dirs=*/false);
}

CaseResult RunCase(const std::string& case_dir, const RunOptions& options) {
  const std::string model_path = (fs::path(case_dir) / "model.onnx").string();
  absl::StatusOr<std::string> bytes = ReadFileToString(model_path);
  if (!bytes.ok()) return Result(Outcome::kFail, std::string(bytes.status().message()));
  onnx::ModelProto proto;
  if (!proto.ParseFromString(*bytes)) {
    return Result(Outcome::kFail, "model.onnx is not a valid ModelProto");
  }
  std::vector<std::string> data_sets = ListDataSets(case_dir);
  if (data_sets.empty()) return Result(Outcome::kFail, "no test_data_set_N folder");

  Decision scope = CheckScope(proto, ScopeFeeds(proto, ListTensorFiles(data_sets[0], "input_")));
  if (scope.outcome != Outcome::kPass) return Result(scope.outcome, scope.reason);

  engine::ModelOptions model_options;
  model_options.intra_op_threads = options.threads;
  absl::StatusOr<std::unique_ptr<engine::Model>> model =
      engine::Model::LoadFromBytes(*bytes, model_options, case_dir);
  if (!model.ok()) {
    std::set<std::string> domains = NonDefaultDomains(proto);
    Outcome outcome = ClassifyLoadError(model.status(), domains);
    std::string reason = model.status().ToString();
    if (outcome == Outcome::kUnsupported &&
        model.status().code() != absl::StatusCode::kUnimplemented) {
      reason = absl::StrCat("domain ", absl::StrJoin(domains, ","), ": ", reason);
    } else if (outcome == Outcome::kFail) {
      reason = absl::StrCat("load error: ", reason);
    }
    return Result(outcome, reason);
  }
  for (const std::string& dir : data_sets) {
    std::string error = RunDataSet(**model, dir, options.tolerance);
    if (!error.empty()) {
      return Result(Outcome::kFail,
                    absl::StrCat(fs::path(dir).filename().string(), ": ", error));
    }
  }
  return Result(Outcome::kPass, "");
}

}  // namespace berth::conformance
