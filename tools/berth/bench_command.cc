#include "bench_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench_inputs.h"
#include "cli_util.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "engine/runtime/model.h"
#include "fmt/format.h"
#include "common/latency_stats.h"

namespace berth::cli {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct BenchResult {
  LatencyStats stats;
  double load_ms = 0;
  std::vector<std::string> input_shapes;  // "name: float[1,3,224,224]"
};

std::string ResultJson(const BenchOptions& o, const BenchResult& r) {
  JsonWriter w;
  w.BeginObject();
  w.Key("engine").String("berth " BERTH_VERSION);
  w.Key("model").String(std::filesystem::path(o.model_path).filename().string());
  w.Key("threads").Int(o.threads);
  w.Key("batch").Int(o.batch);
  w.Key("warmup").Int(o.warmup);
  w.Key("iterations").Int(o.iterations);
  w.Key("p50_ms").Double(r.stats.p50_ms);
  w.Key("p90_ms").Double(r.stats.p90_ms);
  w.Key("p99_ms").Double(r.stats.p99_ms);
  w.Key("mean_ms").Double(r.stats.mean_ms);
  w.Key("min_ms").Double(r.stats.min_ms);
  w.Key("max_ms").Double(r.stats.max_ms);
  w.Key("throughput_per_s").Double(r.stats.throughput_per_s);
  w.Key("load_ms").Double(r.load_ms);
  w.Key("inputs").BeginArray();
  for (const std::string& s : r.input_shapes) w.String(s);
  w.EndArray();
  w.EndObject();
  return w.str();
}

void PrintTable(const BenchOptions& o, const BenchResult& r) {
  fmt::print("Model:       {}\n", o.model_path);
  fmt::print("Inputs:      {}\n", absl::StrJoin(r.input_shapes, "; "));
  fmt::print("Threads {}, batch {}, warmup {}, iterations {}, load {:.1f} ms\n", o.threads,
             o.batch, o.warmup, o.iterations, r.load_ms);
  fmt::print("  {:<12} {:>12}\n", "statistic", "value");
  const LatencyStats& s = r.stats;
  for (auto [name, value] : {std::pair{"min ms", s.min_ms}, std::pair{"mean ms", s.mean_ms},
                             std::pair{"p50 ms", s.p50_ms}, std::pair{"p90 ms", s.p90_ms},
                             std::pair{"p99 ms", s.p99_ms}, std::pair{"max ms", s.max_ms}}) {
    fmt::print("  {:<12} {:>12.4g}\n", name, value);
  }
  fmt::print("  {:<12} {:>12.1f}\n", "items/s", s.throughput_per_s);
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app, BenchOptions* options) {
  CLI::App* cmd =
      app.add_subcommand("bench", "Time repeated runs of a model on random inputs");
  cmd->add_option("model", options->model_path, "ONNX model file")->required();
  cmd->add_option("--threads", options->threads, "Intra-op threads (0 = one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--batch", options->batch,
                  "Size given to a symbolic or unknown first dimension of every input")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cmd->add_option("--warmup", options->warmup, "Untimed runs before timing")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  cmd->add_option("--iterations", options->iterations, "Timed runs")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  cmd->add_flag("--json", options->json, "Print one JSON object instead of a table");
  cmd->add_option("--shape", options->shapes,
                  "NAME=d0,d1,...: the whole shape of input NAME (repeatable); needed for "
                  "symbolic dims other than the first");
  cmd->add_option("--seed", options->seed, "Seed of the input generator")->capture_default_str();
  cmd->add_option("--optimize", options->optimize,
                  "Graph passes: all, no-layout (all but channels-last), none (to measure what "
                  "they buy)")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "no-layout", "none"}));
  return cmd;
}

absl::Status RunBench(const BenchOptions& options) {
  ASSIGN_OR_RETURN(ShapeOverrides overrides, ParseShapeOverrides(options.shapes));
  BenchResult result;
  Clock::time_point load_start = Clock::now();
  engine::ModelOptions model_options;
  model_options.intra_op_threads = options.threads;
  model_options.optimize = options.optimize != "none";
  model_options.channels_last = options.optimize == "all";
  ASSIGN_OR_RETURN(std::unique_ptr<engine::Model> model,
                   LoadModel(options.model_path, model_options));
  result.load_ms = MillisSince(load_start);

  ASSIGN_OR_RETURN(std::vector<engine::Tensor> inputs,
                   MakeBenchInputs(model->inputs(), options.batch, overrides, options.seed));
  std::vector<const engine::Tensor*> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    feeds.push_back(&inputs[i]);
    result.input_shapes.push_back(absl::StrCat(model->inputs()[i].name, ": ",
                                               engine::DataTypeName(inputs[i].dtype()),
                                               engine::ShapeToString(inputs[i].shape())));
  }

  std::vector<engine::Tensor> outputs;
  for (int64_t i = 0; i < options.warmup; ++i) {
    absl::Status st = model->Run(feeds, &outputs);
    if (!st.ok()) return Annotate(st, "inference failed");
  }
  std::vector<double> samples;
  samples.reserve(options.iterations);
  for (int64_t i = 0; i < options.iterations; ++i) {
    Clock::time_point start = Clock::now();
    absl::Status st = model->Run(feeds, &outputs);
    double ms = MillisSince(start);
    if (!st.ok()) return Annotate(st, "inference failed");
    samples.push_back(ms);
  }
  result.stats = ComputeLatencyStats(std::move(samples), options.batch);
  if (options.json) {
    fmt::print("{}\n", ResultJson(options, result));
  } else {
    PrintTable(options, result);
  }
  std::fflush(stdout);
  return absl::OkStatus();
}

}  // namespace berth::cli
