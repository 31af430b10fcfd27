#include "serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "env_options.h"
#include "monitoring/logging.h"
#include "monitoring/process_metrics.h"
#include "monitoring/webhook_notifier.h"
#include "monitoring/webhook_payload.h"
#include "registry/registry.h"
#include "server/admin/admin_api.h"
#include "server/admin/admin_server.h"
#include "server/common/admin_auth.h"
#include "server/grpc/grpc_server.h"
#include "server/http/http_server.h"
#include "service_flags.h"
#include "serving/inference_service.h"
#include "serving/registry_follower.h"
#include "spdlog/spdlog.h"

namespace berth::cli {
namespace {

using Clock = std::chrono::steady_clock;

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

absl::Status CheckOptions(const ServeOptions& o) {
  if (o.repository.empty() == o.registry.empty()) {
    return absl::InvalidArgumentError("give either --model-repository or --registry");
  }
  if (!o.registry.empty()) {
    RETURN_IF_ERROR(ValidateAliasName(o.default_alias));
    if (o.control_mode != "none") {
      return absl::InvalidArgumentError(
          "--registry follows the registry itself: --model-control-mode must stay none");
    }
  }
  if (o.admin_port >= 0 && o.registry.empty()) {
    return absl::InvalidArgumentError(
        "--admin-port serves the registry's API: it needs --registry");
  }
  if (o.admin_port >= 0 && o.admin_token_file.empty()) {
    return absl::InvalidArgumentError(
        "--admin-port needs --admin-token-file: the management API never runs without a token");
  }
  if (o.exit_timeout_secs < 0) {
    return absl::InvalidArgumentError("--exit-timeout-secs may not be negative");
  }
  if (o.poll_secs <= 0) return absl::InvalidArgumentError("--repository-poll-secs must be > 0");
  if (!o.load_models.empty() && o.control_mode != "explicit") {
    return absl::InvalidArgumentError("--load-model needs --model-control-mode explicit");
  }
  if (o.control_mode == "explicit" && o.admin_token_file.empty() && !IsLoopback(o.host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the repository API (--model-control-mode explicit) on the non-loopback address ", o.host,
        " needs --admin-token-file"));
  }
  return absl::OkStatus();
}

absl::StatusOr<serving::ServiceOptions> ServiceOptionsFrom(const ServeOptions& o) {
  serving::ServiceOptions s;
  s.repository = o.repository;
  ASSIGN_OR_RETURN(s.control_mode, serving::ParseModelControlMode(o.control_mode));
  s.poll_interval = std::chrono::milliseconds(static_cast<int64_t>(o.poll_secs * 1000));
  s.startup_models = o.load_models;
  s.default_intra_op_threads = o.intra_op_threads;
  s.inline_run_max_us = o.inline_run_max_us;
  s.server_version = BERTH_VERSION;
  if (o.metrics) s.metrics = std::make_shared<monitoring::Metrics>();
  s.quality.reference_rows = o.drift_reference_rows;
  s.quality.sample_rate = o.drift_sample_rate;
  s.quality.alert_psi = o.drift_alert_psi;
  s.quality.window_rows = o.drift_window_rows;
  s.quality.min_window_rows = std::min(o.drift_min_rows, o.drift_window_rows);
  s.quality.check_interval = absl::Seconds(o.drift_check_secs);
  s.quality.record_capacity = o.feedback_record_size;
  s.quality.record_sample_rate = o.feedback_sample_rate;
  s.quality.accuracy_window = o.accuracy_window;
  return s;
}

void AddQualityOptions(CLI::App* cmd, ServeOptions* o) {
  cmd->add_option("--drift-reference-rows", o->drift_reference_rows,
                  "a version without a reference profile builds one from the first N rows it "
                  "serves (0: off)")
      ->check(CLI::Range(int64_t{0}, int64_t{10000000}))
      ->capture_default_str();
  cmd->add_option("--drift-sample-rate", o->drift_sample_rate,
                  "share of requests whose rows go to the drift window")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--drift-alert-psi", o->drift_alert_psi,
                  "PSI above which drift.detected is published (drift.resolved below 3/4 of it)")
      ->check(CLI::Range(0.001, 100.0))
      ->capture_default_str();
  cmd->add_option("--drift-window-rows", o->drift_window_rows,
                  "rows of live traffic the drift window covers")
      ->check(CLI::Range(int64_t{10}, int64_t{10000000}))
      ->capture_default_str();
  cmd->add_option("--drift-min-rows", o->drift_min_rows,
                  "rows the window must hold before berth_drift_psi is exported and judged")
      ->check(CLI::Range(int64_t{1}, int64_t{10000000}))
      ->capture_default_str();
  cmd->add_option("--drift-check-secs", o->drift_check_secs,
                  "least time between two drift checks of a version (events)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--feedback-record-size", o->feedback_record_size,
                  "predictions kept per model for feedback to join")
      ->check(CLI::Range(int64_t{1}, int64_t{10000000}))
      ->capture_default_str();
  cmd->add_option("--feedback-sample-rate", o->feedback_sample_rate,
                  "share of one-row predictions recorded for feedback")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--accuracy-window", o->accuracy_window,
                  "labelled predictions live accuracy is computed over, per version")
      ->check(CLI::Range(int64_t{1}, int64_t{10000000}))
      ->capture_default_str();
}

server::HttpServerOptions HttpOptionsFrom(const ServeOptions& o, const std::string& admin_token) {
  server::HttpServerOptions h;
  h.host = o.host;
  h.port = o.http_port;
  h.threads = o.http_threads;
  h.max_connections = o.max_connections;
  h.spin = std::chrono::microseconds(o.io_spin_us);
  h.max_request_bytes = o.max_request_bytes;
  h.handlers.limits.max_json_depth = o.max_json_depth;
  h.handlers.limits.max_elements_per_input = o.max_input_elements;
  h.handlers.admin_token = admin_token;
  return h;
}

server::GrpcServerOptions GrpcOptionsFrom(const ServeOptions& o, const std::string& admin_token) {
  server::GrpcServerOptions g;
  g.host = o.host;
  g.port = o.grpc_port;
  g.max_message_bytes = o.grpc_max_message_bytes;
  g.admin_token = admin_token;
  g.limits.max_elements_per_input = o.max_input_elements;
  g.threads = o.grpc_threads;
  g.spin = std::chrono::microseconds(o.io_spin_us);
  return g;
}

// Logs as the flags and environment say; before any thread starts.
absl::Status SetUpLogs(const ServeOptions& o) {
  ASSIGN_OR_RETURN(monitoring::LogOptions logs, LogOptionsFrom(o.log_format, o.log_level));
  ASSIGN_OR_RETURN(logs.access_log,
                   monitoring::ResolveAccessLog(o.access_log, std::getenv("BERTH_ACCESS_LOG")));
  logs.buffer_bytes = static_cast<size_t>(o.log_buffer_bytes);
  monitoring::SetUpLogging(logs);
  return absl::OkStatus();
}

// Blocks the shutdown signals in this thread and (by inheritance) in every thread it starts,
// so that only WaitForSignal sees them.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int WaitForSignal(const sigset_t& set) {
  int signal = 0;
  while (sigwait(&set, &signal) != 0) {
  }
  return signal;
}

void AddWebhookOptions(CLI::App& cmd, ServeOptions* o) {
  CLI::Option* url =
      cmd.add_option("--webhook-url", o->webhook_urls,
                     "POST rollout, alias and drift events as JSON to this http:// or https:// URL "
                     "(repeatable; redirects are never followed)");
  cmd.add_option("--webhook-allow-host", o->webhook_allow_hosts,
                 "a host webhook URLs may name (repeatable; none by default: every "
                 "--webhook-url's host must be listed)");
  cmd.add_option("--webhook-ca-file", o->webhook_ca_file,
                 "PEM CA certificates to verify https receivers with (default: the system's)")
      ->needs(url);
  cmd.add_option("--webhook-secret-file", o->webhook_secret_file,
                 "sign each body with HMAC-SHA256 keyed by this file's first line (header "
                 "X-Berth-Signature-256: sha256=HEX)")
      ->needs(url);
}

// The webhook notifier of --webhook-url, or null when none is given.
absl::StatusOr<std::shared_ptr<monitoring::WebhookNotifier>> WebhookNotifierFrom(
    const ServeOptions& o, monitoring::Metrics* metrics) {
  if (o.webhook_urls.empty()) return nullptr;
  monitoring::WebhookOptions w;
  w.urls = o.webhook_urls;
  w.allowed_hosts = o.webhook_allow_hosts;
  w.ca_file = o.webhook_ca_file;
  w.user_agent = absl::StrCat("berth/", BERTH_VERSION);
  if (!o.webhook_secret_file.empty()) {
    ASSIGN_OR_RETURN(w.secret, monitoring::ReadWebhookSecret(o.webhook_secret_file));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<monitoring::WebhookNotifier> notifier,
                   monitoring::WebhookNotifier::Create(w, metrics));
  return std::shared_ptr<monitoring::WebhookNotifier>(std::move(notifier));
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions* o) {
  CLI::App* cmd = app.add_subcommand("serve", "serve a model repository over HTTP and gRPC");
  CLI::Option* repository =
      cmd->add_option("--model-repository", o->repository, "the model repository folder");
  CLI::Option* registry =
      cmd->add_option("--registry", o->registry,
                      "serve the aliases of the model registry at this URI (sqlite:PATH or "
                      "postgresql://...) instead of a repository folder");
  repository->excludes(registry);
  registry->excludes(repository);
  cmd->add_option("--artifacts", o->artifacts, "the registry's blob folder (default: beside it)")
      ->needs(registry);
  cmd->add_option("--default-alias", o->default_alias,
                  "with --registry: the alias a request naming no version goes to")
      ->capture_default_str();
  cmd->add_option("--registry-poll-ms", o->registry_poll_ms,
                  "with --registry: how often to look for alias moves and rollouts")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  cmd->add_option("--host", o->host, "address to listen on")->capture_default_str();
  cmd->add_option("--http-port", o->http_port, "HTTP port (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--grpc-port", o->grpc_port, "gRPC port (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--model-control-mode", o->control_mode, "none, poll or explicit")
      ->check(CLI::IsMember({"none", "poll", "explicit"}))
      ->capture_default_str();
  cmd->add_option("--load-model", o->load_models, "with explicit: a model to load at start");
  cmd->add_option("--exit-timeout-secs", o->exit_timeout_secs,
                  "how long requests in flight may take to finish at shutdown")
      ->capture_default_str();
  cmd->add_option("--repository-poll-secs", o->poll_secs, "with poll: seconds between scans")
      ->capture_default_str();
  cmd->add_option("--admin-token-file", o->admin_token_file,
                  "file holding the bearer token that load/unload calls and the management API "
                  "(--admin-port) must carry");
  cmd->add_option("--admin-port", o->admin_port,
                  "with --registry: serve the management API on this port of --host (0: any "
                  "free port; default: no management API)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--max-request-bytes", o->max_request_bytes, "largest HTTP request body")
      ->capture_default_str();
  AddRequestLimitFlags(cmd, &o->max_json_depth, &o->max_input_elements);
  cmd->add_option("--grpc-max-message-bytes", o->grpc_max_message_bytes,
                  "largest gRPC message, in and out")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--http-threads", o->http_threads, "HTTP I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--max-connections", o->max_connections,
                  "HTTP connections open at once; one more is answered 503 and closed")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--io-spin-us", o->io_spin_us,
                  "how long an HTTP or gRPC thread polls for more work before it sleeps")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  cmd->add_option("--grpc-threads", o->grpc_threads, "threads polling gRPC calls")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  AddModelRunFlags(cmd, &o->intra_op_threads, &o->inline_run_max_us);
  cmd->add_flag("--metrics,!--no-metrics", o->metrics,
                "keep Prometheus metrics and serve them at GET /metrics (--no-metrics: "
                "neither; /metrics answers 404)")
      ->capture_default_str();
  AddWebhookOptions(*cmd, o);
  AddQualityOptions(cmd, o);
  AddLogFlags(cmd, &o->log_format, &o->log_level);
  cmd->add_option("--log-buffer-bytes", o->log_buffer_bytes,
                  "log lines waiting for the thread that writes them to stdout; past this, "
                  "lines are dropped and counted (0: each thread writes and flushes its own "
                  "lines)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30))
      ->capture_default_str();
  CLI::Option* access_on = cmd->add_flag_callback(
      "--access-log", [o] { o->access_log = true; },
      "one log line per inference request (default: $BERTH_ACCESS_LOG=0|1, else on)");
  CLI::Option* access_off = cmd->add_flag_callback(
      "--no-access-log", [o] { o->access_log = false; }, "no access log");
  access_on->excludes(access_off);
  access_off->excludes(access_on);
  // Every flag also from BERTH_<FLAG> (docs/DEPLOYMENT.md); the log level and the access log
  // already read BERTH_LOG_LEVEL and BERTH_ACCESS_LOG themselves (SetUpLogs). A webhook URL
  // may hold commas: it is never split.
  AddEnvironmentNames(cmd, "BERTH_", {"help", "log-level", "access-log", "no-access-log"},
                      {"webhook-url"});
  return cmd;
}

absl::Status RunServe(const ServeOptions& o) {
  RETURN_IF_ERROR(SetUpLogs(o));
  // Whatever way this returns, the buffered log lines are written first.
  absl::Cleanup stop_logging = [] { monitoring::StopLogging(); };
  RETURN_IF_ERROR(CheckOptions(o));
  std::string admin_token;
  if (!o.admin_token_file.empty()) {
    ASSIGN_OR_RETURN(admin_token, server::ReadAdminToken(o.admin_token_file));
  }
  const sigset_t signals = BlockShutdownSignals();
  ASSIGN_OR_RETURN(serving::ServiceOptions service_options, ServiceOptionsFrom(o));
  // Sampled at every scrape for as long as the server runs.
  std::shared_ptr<monitoring::ProcessCollector> process_metrics;
  if (service_options.metrics) {
    process_metrics = std::make_shared<monitoring::ProcessCollector>();
    service_options.metrics->AddCollectable(process_metrics);
    monitoring::AddBuildInfo(*service_options.metrics, BERTH_VERSION);
  }
  // Kept here too: the notifier counts into it until it stops, after the service is gone.
  const std::shared_ptr<monitoring::Metrics> metrics = service_options.metrics;
  ASSIGN_OR_RETURN(std::shared_ptr<monitoring::WebhookNotifier> webhooks,
                   WebhookNotifierFrom(o, metrics.get()));
  service_options.events = webhooks;
  std::unique_ptr<serving::RegistryFollower> follower;
  if (!o.registry.empty()) {
    serving::FollowerOptions f;
    f.events = webhooks;
    f.registry_uri = o.registry;
    f.artifacts_dir = o.artifacts;
    f.poll_interval = std::chrono::milliseconds(o.registry_poll_ms);
    f.metrics = service_options.metrics;
    ASSIGN_OR_RETURN(follower, serving::RegistryFollower::Open(f));
    service_options.source = follower->source();
    service_options.load = follower->loader();
    service_options.routes = follower->routes();
    service_options.monitor = follower->monitor();
    service_options.default_alias = o.default_alias;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<serving::InferenceService> service,
                   serving::InferenceService::Create(std::move(service_options)));
  if (follower) {
    // The aliases' routes go up before the listeners open; then the registry is followed.
    absl::Status synced = follower->Sync(service->manager());
    if (!synced.ok()) spdlog::warn("not every model loaded: {}", std::string(synced.message()));
    follower->Start(&service->manager());
  }
  // On an early return below (a port in use, say) the follower's thread must stop before the
  // service, whose manager it uses, is destroyed; Stop is idempotent.
  absl::Cleanup stop_follower = [&follower] {
    if (follower) follower->Stop();
  };
  ASSIGN_OR_RETURN(std::unique_ptr<server::HttpServer> http,
                   server::HttpServer::Start(HttpOptionsFrom(o, admin_token), service.get()));
  ASSIGN_OR_RETURN(std::unique_ptr<server::GrpcServer> grpc,
                   server::GrpcServer::Start(GrpcOptionsFrom(o, admin_token), service.get()));
  std::unique_ptr<server::admin::AdminApi> admin_api;
  std::unique_ptr<server::admin::AdminServer> admin;
  if (o.admin_port >= 0) {
    // Its own Registry object (one database connection), not shared with the follower.
    ASSIGN_OR_RETURN(
        std::unique_ptr<registry::Registry> admin_registry,
        registry::Registry::Open(o.registry, o.artifacts, registry::OpenMode::kMustExist));
    ASSIGN_OR_RETURN(admin_api,
                     server::admin::AdminApi::Create(std::move(admin_registry), admin_token));
    server::admin::AdminServerOptions a;
    a.host = o.host;
    a.port = o.admin_port;
    ASSIGN_OR_RETURN(admin, server::admin::AdminServer::Start(a, admin_api.get()));
  }
  spdlog::info("berth {} serving '{}': HTTP on {}:{}, gRPC on {}:{}", BERTH_VERSION,
               o.registry.empty() ? o.repository : o.registry, o.host, http->port(), o.host,
               grpc->port());
  if (admin) spdlog::info("management API on {}:{}", o.host, admin->port());

  const int signal = WaitForSignal(signals);
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(o.exit_timeout_secs * 1000));
  spdlog::info("{}: shutting down, {} requests in flight", signal == SIGINT ? "SIGINT" : "SIGTERM",
               service->InFlight());
  service->BeginShutdown();
  if (admin) admin->Shutdown();
  // Both listeners close at once; each waits for its own calls in flight.
  std::thread grpc_shutdown(
      [&] { grpc->Shutdown(std::chrono::system_clock::now() + (deadline - Clock::now())); });
  const bool http_drained = http->Shutdown(deadline);
  grpc_shutdown.join();
  const bool idle = service->WaitIdle(deadline);
  if (!http_drained || !idle) {
    spdlog::warn("the exit timeout passed with {} requests unfinished", service->InFlight());
  }
  http.reset();
  grpc.reset();
  if (follower) follower->Stop();
  service.reset();  // runs what is still queued, then joins the schedulers
  // Events still queued get a short grace period (monitoring::WebhookOptions::shutdown_grace).
  if (webhooks) webhooks->Stop();
  spdlog::info("stopped");
  return absl::OkStatus();
}

}  // namespace berth::cli
