// `berth bench MODEL.onnx --threads T --batch B --warmup W --iterations N [--json]
//  [--shape NAME=d0,d1,..] [--optimize all|no-layout|none]`: latency statistics over repeated
//  runs on synthetic inputs. --optimize measures what the graph passes buy.
// The JSON form is the contract of /work/shared/bench (compare.py reads its last line).
#ifndef BERTH_TOOLS_BERTH_BENCH_COMMAND_H_
#define BERTH_TOOLS_BERTH_BENCH_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace berth::cli {

struct BenchOptions {
  std::string model_path;
  int threads = 2;
  int64_t batch = 1;
  int64_t warmup = 10;
  int64_t iterations = 100;
  bool json = false;
  std::vector<std::string> shapes;  // "NAME=d0,d1,..."
  uint64_t seed = 12345;
  std::string optimize = "all";  // all, no-layout (no channels-last), none (no graph passes)
};

CLI::App* AddBenchCommand(CLI::App& app, BenchOptions* options);

// Loads the model, makes inputs, runs `warmup` untimed and `iterations` timed runs, and
// prints the statistics (one JSON line with --json, else a table) on stdout.
absl::Status RunBench(const BenchOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_BENCH_COMMAND_H_
