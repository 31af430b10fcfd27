// `berth serve --model-repository DIR [...]`: the inference server. Serves the models of a
// repository over the Open Inference Protocol (HTTP and gRPC) until SIGTERM or SIGINT, then
// shuts down gracefully: readiness turns false at once, the listeners close, requests in
// flight finish (within --exit-timeout-secs), and the process exits 0.
#ifndef BERTH_TOOLS_BERTH_SERVE_COMMAND_H_
#define BERTH_TOOLS_BERTH_SERVE_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace berth::cli {

struct ServeOptions {
  std::string repository;
  // Serving from the model registry instead of a repository folder (one of the two).
  std::string registry;   // URI, e.g. sqlite:./berth-registry/registry.db
  std::string artifacts;  // blob folder; empty: beside the registry
  std::string default_alias = "production";
  int registry_poll_ms = 200;
  std::string host = "127.0.0.1";
  int http_port = 8000;
  int grpc_port = 8001;
  std::string control_mode = "none";
  std::vector<std::string> load_models;  // with explicit: loaded at start
  double exit_timeout_secs = 30;
  double poll_secs = 1.0;
  std::string admin_token_file;
  // The management API (src/server/admin) on its own listener at host:admin_port; -1: none
  // (the default), 0: any free port. Needs registry and admin_token_file.
  int admin_port = -1;
  uint64_t max_request_bytes = uint64_t{64} << 20;
  int max_json_depth = 32;
  int64_t max_input_elements = int64_t{1} << 28;
  int64_t grpc_max_message_bytes = int64_t{64} << 20;
  int http_threads = 1;
  int max_connections = 1000;
  int io_spin_us = 50;  // see server::HttpServerOptions::spin
  int grpc_threads = 1;
  int intra_op_threads = 0;         // 0: one per core
  int64_t inline_run_max_us = 200;  // see serving::ServiceOptions::inline_run_max_us
  // Logs (monitoring/logging.h): json or text; the level (empty: $BERTH_LOG_LEVEL, else
  // info); the access log (unset: $BERTH_ACCESS_LOG, else on).
  std::string log_format = "json";
  std::string log_level;
  std::optional<bool> access_log;
  int64_t log_buffer_bytes = int64_t{4} << 20;  // see monitoring::LogOptions::buffer_bytes
  bool metrics = true;              // keep metrics and answer GET /metrics (--no-metrics: neither)
  // Webhooks (monitoring/webhook_notifier.h): events POSTed to these URLs, whose hosts must
  // all be on webhook_allow_hosts; an optional CA file for https and a shared secret file.
  std::vector<std::string> webhook_urls;
  std::vector<std::string> webhook_allow_hosts;
  std::string webhook_ca_file;
  std::string webhook_secret_file;
  // Live drift and accuracy (quality::QualityOptions).
  int64_t drift_reference_rows = 0;
  double drift_sample_rate = 1.0;
  double drift_alert_psi = 0.2;
  int64_t drift_window_rows = 1000;
  int64_t drift_min_rows = 100;
  double drift_check_secs = 5;
  int64_t feedback_record_size = 10000;
  double feedback_sample_rate = 1.0;
  int64_t accuracy_window = 1000;
};

CLI::App* AddServeCommand(CLI::App& app, ServeOptions* options);

// Runs the server until a signal; OK after a graceful shutdown (also when the exit timeout
// cut in-flight requests short, which is logged). Fails before serving when the repository
// cannot be read, an address cannot be bound, or the options contradict each other (e.g.
// the repository API on a non-loopback address without an admin token, or --admin-port
// without --registry or --admin-token-file), a webhook URL's host is not allowed, or a log
// setting (flag or environment variable) is not one of its words.
absl::Status RunServe(const ServeOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_SERVE_COMMAND_H_
