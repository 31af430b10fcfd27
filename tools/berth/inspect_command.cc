#include "inspect_command.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli_util.h"
#include "common/file_util.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "engine/format/onnx_loader.h"
#include "engine/runtime/model.h"
#include "fmt/format.h"

namespace berth::cli {
namespace {

using engine::ModelSummary;
using engine::ValueInfo;

struct InspectReport {
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  ModelSummary summary;
  // Empty when the engine loads the model; otherwise why it cannot run it.
  std::string unsupported_reason;
};

std::string DomainName(const std::string& domain) { return domain.empty() ? "ai.onnx" : domain; }

// The summary the engine would give, computed from the parsed graph alone (for models whose
// operators the engine lacks).
ModelSummary SummarizeGraph(const engine::ModelGraph& model) {
  ModelSummary summary;
  summary.ir_version = model.ir_version;
  summary.opsets = model.opsets;
  summary.producer_name = model.producer_name;
  summary.producer_version = model.producer_version;
  for (const engine::Node& node : model.graph.nodes) {
    std::string op = node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
    ++summary.op_counts[op];
  }
  summary.node_count = static_cast<int64_t>(model.graph.nodes.size());
  for (const auto& [name, tensor] : model.graph.initializers) {
    summary.parameter_count += tensor->num_elements();
    if (tensor->dtype() == engine::DataType::kString) {
      for (const std::string& s : tensor->strings()) summary.parameter_bytes += s.size();
    } else {
      summary.parameter_bytes += static_cast<int64_t>(tensor->byte_size());
    }
  }
  return summary;
}

absl::StatusOr<InspectReport> BuildReport(const std::string& path) {
  InspectReport report;
  // Inspect never runs the model: one thread, and no graph passes (it shows the file's graph).
  absl::StatusOr<std::unique_ptr<engine::Model>> model = LoadModel(path, 1, /*optimize=*/false);
  if (model.ok()) {
    report.inputs = (*model)->inputs();
    report.outputs = (*model)->outputs();
    report.summary = (*model)->summary();
    return report;
  }
  if (model.status().code() != absl::StatusCode::kUnimplemented) return model.status();
  // The engine refuses to run it; describe the graph anyway if it parses.
  report.unsupported_reason = ErrorText(model.status());
  ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  absl::StatusOr<engine::ModelGraph> graph = engine::ParseOnnxModel(bytes, dir.empty() ? "." : dir);
  if (!graph.ok()) return model.status();
  report.inputs = graph->graph.inputs;
  report.outputs = graph->graph.outputs;
  report.summary = SummarizeGraph(*graph);
  return report;
}

void WriteSignatureJson(JsonWriter& w, const std::vector<ValueInfo>& infos) {
  w.BeginArray();
  for (const ValueInfo& info : infos) {
    w.BeginObject();
    w.Key("name").String(info.name);
    w.Key("type").String(engine::DataTypeName(info.dtype));
    w.Key("shape");
    if (!info.has_shape) {
      w.Null();
    } else {
      w.BeginArray();
      for (const engine::Dim& dim : info.dims) {
        if (dim.is_fixed()) {
          w.Int(dim.value);
        } else {
          w.String(DimToString(dim));
        }
      }
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
}

std::string ReportJson(const std::string& path, const InspectReport& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("model").String(path);
  w.Key("ir_version").Int(r.summary.ir_version);
  w.Key("producer_name").String(r.summary.producer_name);
  w.Key("producer_version").String(r.summary.producer_version);
  w.Key("opsets").BeginObject();
  for (const auto& [domain, version] : r.summary.opsets) w.Key(DomainName(domain)).Int(version);
  w.EndObject();
  w.Key("inputs");
  WriteSignatureJson(w, r.inputs);
  w.Key("outputs");
  WriteSignatureJson(w, r.outputs);
  w.Key("node_count").Int(r.summary.node_count);
  w.Key("op_counts").BeginObject();
  for (const auto& [op, count] : r.summary.op_counts) w.Key(op).Int(count);
  w.EndObject();
  w.Key("parameter_count").Int(r.summary.parameter_count);
  w.Key("parameter_bytes").Int(r.summary.parameter_bytes);
  w.Key("supported").Bool(r.unsupported_reason.empty());
  if (!r.unsupported_reason.empty()) w.Key("unsupported_reason").String(r.unsupported_reason);
  w.EndObject();
  return w.str();
}

std::string HumanBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, units[unit]);
}

void PrintSignatureTable(const char* title, const std::vector<ValueInfo>& infos) {
  fmt::print("{} ({}):\n", title, infos.size());
  size_t name_width = 4, type_width = 4;
  for (const ValueInfo& info : infos) {
    name_width = std::max(name_width, info.name.size());
    type_width = std::max(type_width, engine::DataTypeName(info.dtype).size());
  }
  fmt::print("  {:<{}}  {:<{}}  {}\n", "NAME", name_width, "TYPE", type_width, "SHAPE");
  for (const ValueInfo& info : infos) {
    fmt::print("  {:<{}}  {:<{}}  {}\n", info.name, name_width, engine::DataTypeName(info.dtype),
               type_width, SignatureShapeToString(info));
  }
}

void PrintReportTable(const std::string& path, const InspectReport& r) {
  const ModelSummary& s = r.summary;
  fmt::print("Model:       {}\n", path);
  fmt::print("IR version:  {}\n", s.ir_version);
  std::string producer = s.producer_name.empty() ? "(none)" : s.producer_name;
  if (!s.producer_version.empty()) producer += " " + s.producer_version;
  fmt::print("Producer:    {}\n", producer);
  std::vector<std::string> opsets;
  for (const auto& [domain, version] : s.opsets) {
    opsets.push_back(absl::StrCat(DomainName(domain), " ", version));
  }
  fmt::print("Opsets:      {}\n", opsets.empty() ? "(none)" : absl::StrJoin(opsets, ", "));
  fmt::print("Parameters:  {} ({})\n", s.parameter_count, HumanBytes(s.parameter_bytes));
  fmt::print("Engine:      {}\n",
             r.unsupported_reason.empty() ? "supported" : "unsupported: " + r.unsupported_reason);
  fmt::print("\n");
  PrintSignatureTable("Inputs", r.inputs);
  fmt::print("\n");
  PrintSignatureTable("Outputs", r.outputs);
  fmt::print("\n");
  // Most frequent first, then by name.
  std::vector<std::pair<std::string, int64_t>> ops(s.op_counts.begin(), s.op_counts.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  fmt::print("Operators ({} nodes, {} types):\n", s.node_count, ops.size());
  size_t width = 2;
  for (const auto& [op, count] : ops) width = std::max(width, op.size());
  for (const auto& [op, count] : ops) fmt::print("  {:<{}}  {:>6}\n", op, width, count);
}

}  // namespace

CLI::App* AddInspectCommand(CLI::App& app, InspectOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a model's inputs, outputs, opsets, operators and parameter count");
  cmd->add_option("model", options->model_path, "ONNX model file")->required();
  cmd->add_flag("--json", options->json, "Print one JSON object instead of a table");
  return cmd;
}

absl::Status RunInspect(const InspectOptions& options) {
  ASSIGN_OR_RETURN(InspectReport report, BuildReport(options.model_path));
  if (options.json) {
    fmt::print("{}\n", ReportJson(options.model_path, report));
  } else {
    PrintReportTable(options.model_path, report);
  }
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace berth::cli
