// `berth lambda`: berth as an AWS Lambda custom runtime (the function's bootstrap runs it).
// At start it loads the model, from the image (--model-repository DIR or --model-file FILE)
// or from the model registry (--registry URI --model NAME@ALIAS); a failure is reported to
// the Runtime API's init/error and the process exits 1. Then, until the Runtime API goes
// away (or --max-invocations), it takes the next invocation, answers the API Gateway proxy
// event's infer request (server/lambda/invocation_handler.h) and posts the proxy response.
// The Runtime API's host:port comes from AWS_LAMBDA_RUNTIME_API.
#ifndef BERTH_TOOLS_BERTH_LAMBDA_COMMAND_H_
#define BERTH_TOOLS_BERTH_LAMBDA_COMMAND_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace berth::cli {

struct LambdaOptions {
  // One of the three sources.
  std::string repository;
  std::string model_file;
  std::string registry;
  std::string artifacts;  // with registry; empty: beside it
  // NAME[@ALIAS|@VERSION]: the model of events whose path names none; with --model-file the
  // model's name (default: the file's stem); with --registry required, and the alias is the
  // default alias (default "production").
  std::string model;
  // With registry: how often a warm instance looks for alias moves (0: only at start).
  int registry_poll_ms = 1000;
  uint64_t max_event_bytes = uint64_t{7} << 20;  // Lambda's payload limit is 6 MB
  int max_json_depth = 32;
  int64_t max_input_elements = int64_t{1} << 28;
  int intra_op_threads = 0;
  int64_t inline_run_max_us = 200;
  int deadline_margin_ms = 20;
  int runtime_api_timeout_ms = 10000;
  int64_t max_invocations = 0;  // 0: until the Runtime API goes away
  std::string log_format = "json";
  std::string log_level;
};

CLI::App* AddLambdaCommand(CLI::App& app, LambdaOptions* options);

// Runs the runtime loop. Fails when AWS_LAMBDA_RUNTIME_API is unset or invalid, when the
// model cannot be loaded (after reporting init/error), or when the Runtime API cannot be
// reached; OK after --max-invocations answers.
absl::Status RunLambda(const LambdaOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_LAMBDA_COMMAND_H_
