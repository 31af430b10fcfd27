// `berth gc`: removes artifacts no version references and stale staging files (left by a
// push that died), after waiting for pushes in flight. Prints what it removed.
#ifndef BERTH_TOOLS_BERTH_GC_COMMAND_H_
#define BERTH_TOOLS_BERTH_GC_COMMAND_H_

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "registry_cli.h"

namespace berth::cli {

struct GcOptions {
  RegistryFlags registry;
};

// Adds the subcommand to `app`, binding its flags to `options` (which must outlive `app`).
CLI::App* AddGcCommand(CLI::App& app, GcOptions* options);

absl::Status RunGc(const GcOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_GC_COMMAND_H_
