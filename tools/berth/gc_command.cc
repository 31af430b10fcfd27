#include "gc_command.h"

#include <memory>

#include "common/status_macros.h"
#include "fmt/format.h"

namespace berth::cli {

CLI::App* AddGcCommand(CLI::App& app, GcOptions* options) {
  CLI::App* cmd = app.add_subcommand(
      "gc", "Remove registry artifacts no version references, and stale staging files");
  AddRegistryFlags(cmd, &options->registry);
  return cmd;
}

absl::Status RunGc(const GcOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> registry,
                   OpenRegistry(options.registry, registry::OpenMode::kCreateIfMissing));
  ASSIGN_OR_RETURN(registry::GarbageReport report, registry->CollectGarbage());
  PrintLine(fmt::format("removed {} blob(s) and {} staging file(s), {} bytes", report.blobs_removed,
                        report.staging_files_removed, report.bytes_freed));
  return absl::OkStatus();
}

}  // namespace berth::cli
