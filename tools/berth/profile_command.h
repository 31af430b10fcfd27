// `berth profile NAME@REF --data FILE... [--registry URI] [--artifacts DIR] [--rows N]`:
// runs the registry version over the dataset (the engine, in process) and stores the
// reference profile of its inputs and outputs with the version (its "profile" document),
// which a server reads when it loads the version and compares live traffic with (drift).
// `berth profile MODEL.onnx --data FILE... -o profile.json` does the same for a model file
// and writes the profile (for a repository: DIR/MODEL/VERSION/profile.json).
//
// The dataset: .npy, .npz, TensorProto .pb or CSV files (dataset/dataset.h) whose tensors
// are named as the model's inputs, one row per example (tensors named otherwise, e.g. labels,
// are ignored); numeric data of another type than the input's is converted. A CSV file's
// columns other than the label column (--label-column, default `label`) form one tensor named
// after the model's input when the model has one.
#ifndef BERTH_TOOLS_BERTH_PROFILE_COMMAND_H_
#define BERTH_TOOLS_BERTH_PROFILE_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "registry_cli.h"

namespace berth::cli {

struct ProfileCommandOptions {
  RegistryFlags registry;
  std::string target;  // NAME@REF, or a path ending in .onnx
  std::vector<std::string> data;
  std::string output;    // -o: with a model file
  int64_t max_rows = 0;  // 0: every row
  int64_t batch = 64;
  int bins = 10;
  std::string label_column = "label";  // CSV files: the label column, not an input
};

CLI::App* AddProfileCommand(CLI::App& app, ProfileCommandOptions* options);

// Prints what it profiled and where it went. InvalidArgument for a bad dataset (naming the
// file and tensor), a model input missing from it, or a bad target; the registry's errors
// otherwise. Nothing is written unless the whole dataset ran.
absl::Status RunProfile(const ProfileCommandOptions& options);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_PROFILE_COMMAND_H_
