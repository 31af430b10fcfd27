// berth: the command-line front end of the engine. One subcommand per file; this file only
// parses the command line, dispatches, and turns errors into "berth: <message>" lines.
//
// Exit codes: 0 success, 1 any failure of the command, 2 a usage error; `validate` also
// exits 3 when it could not run (validate_command.h).
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "alias_command.h"
#include "bench_command.h"
#include "cli_util.h"
#include "fmt/format.h"
#include "gc_command.h"
#include "infer_command.h"
#include "inspect_command.h"
#include "lambda_command.h"
#include "optimize_command.h"
#include "profile_command.h"
#include "push_command.h"
#include "rollout_command.h"
#include "serve_command.h"
#include "validate_command.h"
#include "validation/edge_case_check.h"
#include "versions_command.h"

namespace berth::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void PrintError(const std::string& message) {
  // One line, whatever the message holds.
  std::string line = absl::StrReplaceAll(message, {{"\r\n", "; "}, {"\n", "; "}, {"\r", " "}});
  fmt::print(stderr, "berth: {}\n", line);
  std::fflush(stderr);
}

int Main(int argc, char** argv) {
  // The child process of `validate`'s edge cases (not a user command: not in --help).
  if (argc >= 2 && std::string(argv[1]) == kEdgeCaseChildCommand) {
    return validation::RunEdgeCaseChild(std::vector<std::string>(argv + 2, argv + argc));
  }
  CLI::App app{"berth: run, inspect and serve ONNX models", "berth"};
  app.set_version_flag("--version", "berth " BERTH_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  InspectOptions inspect;
  InferOptions infer;
  BenchOptions bench;
  ServeOptions serve;
  CLI::App* inspect_cmd = AddInspectCommand(app, &inspect);
  CLI::App* infer_cmd = AddInferCommand(app, &infer);
  CLI::App* bench_cmd = AddBenchCommand(app, &bench);
  CLI::App* serve_cmd = AddServeCommand(app, &serve);
  LambdaOptions lambda;
  CLI::App* lambda_cmd = AddLambdaCommand(app, &lambda);
  // The model registry.
  PushCommandOptions push;
  ProfileCommandOptions profile;
  VersionsOptions versions;
  ShowOptions show;
  AliasOptions alias;
  HistoryOptions history;
  RollbackOptions rollback;
  RolloutOptions rollout;
  GcOptions gc;
  ValidateOptions validate;
  OptimizeCommandOptions optimize;
  CLI::App* push_cmd = AddPushCommand(app, &push);
  CLI::App* profile_cmd = AddProfileCommand(app, &profile);
  CLI::App* versions_cmd = AddVersionsCommand(app, &versions);
  CLI::App* show_cmd = AddShowCommand(app, &show);
  CLI::App* alias_cmd = AddAliasCommand(app, &alias);
  CLI::App* history_cmd = AddHistoryCommand(app, &history);
  CLI::App* rollback_cmd = AddRollbackCommand(app, &rollback);
  CLI::App* rollout_cmd = AddRolloutCommand(app, &rollout);
  CLI::App* gc_cmd = AddGcCommand(app, &gc);
  CLI::App* validate_cmd = AddValidateCommand(app, &validate);
  CLI::App* optimize_cmd = AddOptimizeCommand(app, &optimize);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      return app.exit(e);  // --help or --version, printed on stdout
    }
    std::string where;
    for (CLI::App* sub = &app; !sub->get_subcommands().empty();) {
      sub = sub->get_subcommands().front();
      where += " " + sub->get_name();
    }
    PrintError(fmt::format("{} (see 'berth{} --help')", e.what(), where));
    return kExitUsage;
  }

  if (validate_cmd->parsed()) {
    absl::StatusOr<bool> passed = RunValidate(validate);
    if (!passed.ok()) {
      PrintError(ErrorText(passed.status()));
      return kExitCouldNotValidate;
    }
    return *passed ? 0 : kExitValidationFailed;
  }
  absl::Status status;
  if (inspect_cmd->parsed()) {
    status = RunInspect(inspect);
  } else if (infer_cmd->parsed()) {
    status = RunInfer(infer);
  } else if (bench_cmd->parsed()) {
    status = RunBench(bench);
  } else if (serve_cmd->parsed()) {
    status = RunServe(serve);
  } else if (lambda_cmd->parsed()) {
    status = RunLambda(lambda);
  } else if (push_cmd->parsed()) {
    status = RunPush(push);
  } else if (profile_cmd->parsed()) {
    status = RunProfile(profile);
  } else if (versions_cmd->parsed()) {
    status = RunVersions(versions);
  } else if (show_cmd->parsed()) {
    status = RunShow(show);
  } else if (alias_cmd->parsed()) {
    status = RunAlias(alias);
  } else if (history_cmd->parsed()) {
    status = RunHistory(history);
  } else if (rollback_cmd->parsed()) {
    status = RunRollback(rollback);
  } else if (rollout_cmd->parsed()) {
    status = RunRollout(rollout);
  } else if (gc_cmd->parsed()) {
    status = RunGc(gc);
  } else if (optimize_cmd->parsed()) {
    status = RunOptimize(optimize);
  }
  if (!status.ok()) {
    PrintError(ErrorText(status));
    return kExitFailure;
  }
  return 0;
}

}  // namespace
}  // namespace berth::cli

int main(int argc, char** argv) {
  // A closed stdout (berth inspect m.onnx | head) becomes a write error, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return berth::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    berth::cli::PrintError(fmt::format("internal error: {}", e.what()));
  } catch (...) {
    berth::cli::PrintError("internal error: unknown exception");
  }
  return 1;
}
