#include "lambda_command.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "monitoring/logging.h"
#include "server/lambda/invocation_handler.h"
#include "server/lambda/runtime_client.h"
#include "service_flags.h"
#include "serving/inference_service.h"
#include "serving/model_source.h"
#include "serving/registry_follower.h"
#include "spdlog/spdlog.h"

namespace berth::cli {
namespace {

namespace lambda = server::lambda;

struct ModelRef {
  std::string name;
  VersionRef version;
};

// NAME or NAME@REF (an alias or a version number).
absl::StatusOr<ModelRef> ParseModelRef(const std::string& text) {
  ModelRef ref;
  const size_t at = text.find('@');
  ref.name = text.substr(0, at);
  RETURN_IF_ERROR(ValidateModelName(ref.name));
  if (at != std::string::npos) {
    ASSIGN_OR_RETURN(ref.version, ParseVersionRef(text.substr(at + 1)));
    if (ref.version.is_default()) {
      return absl::InvalidArgumentError(absl::StrCat("--model '", text, "' has an empty @part"));
    }
  }
  return ref;
}

absl::Status CheckOptions(const LambdaOptions& o) {
  const int sources = !o.repository.empty() + !o.model_file.empty() + !o.registry.empty();
  if (sources != 1) {
    return absl::InvalidArgumentError("give one of --model-repository, --model-file or --registry");
  }
  if (!o.registry.empty() && o.model.empty()) {
    return absl::InvalidArgumentError("--registry needs --model NAME@ALIAS");
  }
  if (o.max_event_bytes == 0) return absl::InvalidArgumentError("--max-event-bytes must be > 0");
  return absl::OkStatus();
}

absl::Status SetUpLogs(const LambdaOptions& o) {
  ASSIGN_OR_RETURN(monitoring::LogOptions logs, LogOptionsFrom(o.log_format, o.log_level));
  logs.access_log = false;  // Lambda logs each invocation itself
  logs.buffer_bytes = 0;    // a frozen function must not hold lines back
  monitoring::SetUpLogging(logs);
  return absl::OkStatus();
}

// Everything that serves: kept together so that the follower stops before the service.
struct Runtime {
  std::unique_ptr<serving::RegistryFollower> follower;
  std::unique_ptr<serving::InferenceService> service;
  lambda::HandlerOptions handler;
};

// Loads the model; fails naming what could not be loaded.
absl::StatusOr<Runtime> StartRuntime(const LambdaOptions& o) {
  Runtime rt;
  serving::ServiceOptions s;
  s.default_intra_op_threads = o.intra_op_threads;
  s.inline_run_max_us = o.inline_run_max_us;
  s.server_version = BERTH_VERSION;
  rt.handler.limits.max_json_depth = o.max_json_depth;
  rt.handler.limits.max_elements_per_input = o.max_input_elements;
  rt.handler.deadline_margin = std::chrono::milliseconds(o.deadline_margin_ms);
  ModelRef ref;
  if (!o.model.empty()) {
    ASSIGN_OR_RETURN(ref, ParseModelRef(o.model));
  }
  if (!o.model_file.empty() && ref.name.empty()) {
    ref.name = std::filesystem::path(o.model_file).stem().string();
    absl::Status valid = ValidateModelName(ref.name);
    if (!valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the model file's name cannot name the model (give --model NAME): ", valid.message()));
    }
  }
  if (!o.repository.empty()) {
    s.repository = o.repository;
  } else if (!o.model_file.empty()) {
    s.source = serving::MakeSingleFileSource(ref.name, o.model_file);
  } else {
    serving::FollowerOptions f;
    f.registry_uri = o.registry;
    f.artifacts_dir = o.artifacts;
    f.may_lead = false;  // a frozen function must not hold the fleet's leadership
    if (o.registry_poll_ms > 0) f.poll_interval = std::chrono::milliseconds(o.registry_poll_ms);
    ASSIGN_OR_RETURN(rt.follower, serving::RegistryFollower::Open(f));
    s.source = rt.follower->source();
    s.load = rt.follower->loader();
    s.routes = rt.follower->routes();
    s.monitor = rt.follower->monitor();
    if (ref.version.is_default()) ref.version.alias = "production";
    if (!ref.version.alias.empty()) s.default_alias = ref.version.alias;
  }
  ASSIGN_OR_RETURN(rt.service, serving::InferenceService::Create(std::move(s)));
  if (rt.follower) RETURN_IF_ERROR(rt.follower->Sync(rt.service->manager()));
  // Unlike `serve`, a function that cannot answer must fail its init: every model of the
  // image ready (from the registry: the one named, checked below).
  ASSIGN_OR_RETURN(std::vector<protocol::IndexEntry> index, rt.service->RepositoryIndex(false));
  if (index.empty()) return absl::FailedPreconditionError("there is no model to serve");
  for (const protocol::IndexEntry& e : index) {
    if (e.state != "READY" && !rt.follower) {
      return absl::FailedPreconditionError(absl::StrCat("model '", e.name, "' is ", e.state,
                                                        e.reason.empty() ? "" : ": ", e.reason));
    }
  }
  if (!ref.name.empty()) {
    ASSIGN_OR_RETURN(bool ready, rt.service->ModelReady(ref.name, ref.version));
    if (!ready) {
      return absl::FailedPreconditionError(
          absl::StrCat("model '", ref.name, "' ", ref.version.ToString(), " is not ready"));
    }
    rt.handler.default_model = ref.name;
    rt.handler.default_version = ref.version;
  }
  // Last, once nothing can fail (the caller stops it before the service goes). Between
  // invocations Lambda freezes the process, poll thread included: a warm instance looks again
  // when it thaws, and switches once the new version is ready.
  if (rt.follower && o.registry_poll_ms > 0) rt.follower->Start(&rt.service->manager());
  return rt;
}

}  // namespace

CLI::App* AddLambdaCommand(CLI::App& app, LambdaOptions* o) {
  CLI::App* cmd = app.add_subcommand("lambda",
                                     "run as an AWS Lambda custom runtime (API Gateway proxy "
                                     "events carrying infer requests)");
  cmd->add_option("--model-repository", o->repository, "serve the models of this folder");
  cmd->add_option("--model-file", o->model_file, "serve this one .onnx file as version 1");
  CLI::Option* registry =
      cmd->add_option("--registry", o->registry,
                      "load --model NAME@ALIAS from the model registry at this URI at start");
  cmd->add_option("--artifacts", o->artifacts, "the registry's blob folder (default: beside it)");
  cmd->add_option("--registry-poll-ms", o->registry_poll_ms,
                  "with --registry: how often a warm instance looks for alias moves (0: only "
                  "at start)")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str()
      ->needs(registry);
  cmd->add_option("--model", o->model,
                  "NAME[@ALIAS|@VERSION]: the model of events whose path is not "
                  "/v2/models/NAME[/versions/V]/infer (with --model-file: its name)");
  cmd->add_option("--max-event-bytes", o->max_event_bytes,
                  "largest event; a larger one is answered 413 unread")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30))
      ->capture_default_str();
  AddRequestLimitFlags(cmd, &o->max_json_depth, &o->max_input_elements);
  AddModelRunFlags(cmd, &o->intra_op_threads, &o->inline_run_max_us);
  cmd->add_option("--deadline-margin-ms", o->deadline_margin_ms,
                  "answer 504 this long before the invocation's deadline when inference is "
                  "still running")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  cmd->add_option("--runtime-api-timeout-ms", o->runtime_api_timeout_ms,
                  "how long posting an answer to the Runtime API may take; past it the "
                  "process exits 1 (Lambda starts a new one)")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  cmd->add_option("--max-invocations", o->max_invocations,
                  "exit 0 after this many invocations (0: never)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))
      ->capture_default_str();
  AddLogFlags(cmd, &o->log_format, &o->log_level);
  return cmd;
}

absl::Status RunLambda(const LambdaOptions& o) {
  RETURN_IF_ERROR(SetUpLogs(o));
  absl::Cleanup stop_logging = [] { monitoring::StopLogging(); };
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    return absl::FailedPreconditionError(
        "AWS_LAMBDA_RUNTIME_API is not set: berth lambda runs inside AWS Lambda (or its "
        "runtime interface emulator)");
  }
  ASSIGN_OR_RETURN(
      std::unique_ptr<lambda::RuntimeClient> client,
      lambda::RuntimeClient::Create(api, std::chrono::milliseconds(o.runtime_api_timeout_ms)));
  absl::Status checked = CheckOptions(o);
  absl::StatusOr<Runtime> rt = checked.ok() ? StartRuntime(o) : absl::StatusOr<Runtime>(checked);
  if (!rt.ok()) {
    absl::Status reported = client->ReportInitError("Runtime.InitError", rt.status().message());
    if (!reported.ok()) spdlog::error("{}", std::string(reported.message()));
    return rt.status();
  }
  absl::Cleanup stop_follower = [&rt] {
    if (rt->follower) rt->follower->Stop();
  };
  lambda::InvocationHandler handler(rt->service.get(), rt->handler);
  spdlog::info("berth {} lambda runtime ready", BERTH_VERSION);
  for (int64_t n = 0; o.max_invocations == 0 || n < o.max_invocations; ++n) {
    ASSIGN_OR_RETURN(lambda::Invocation invocation, client->Next(o.max_event_bytes));
    lambda::Outcome outcome = handler.Handle(invocation, std::chrono::system_clock::now());
    absl::Status sent;
    if (outcome.failed) {
      spdlog::warn("invocation {}: {}", invocation.request_id, outcome.error_message);
      sent = client->ReportInvocationError(invocation.request_id, outcome.error_type,
                                           outcome.error_message);
    } else {
      sent = client->Respond(invocation.request_id, outcome.response);
      if (absl::IsFailedPrecondition(sent)) {
        // Refused (e.g. larger than Lambda's payload limit): the invocation fails instead.
        spdlog::warn("invocation {}: {}", invocation.request_id, std::string(sent.message()));
        sent = client->ReportInvocationError(invocation.request_id, "Runtime.ResponseRefused",
                                             sent.message());
      }
    }
    if (absl::IsUnavailable(sent)) return sent;
    if (!sent.ok())
      spdlog::warn("invocation {}: {}", invocation.request_id, std::string(sent.message()));
  }
  return absl::OkStatus();
}

}  // namespace berth::cli
