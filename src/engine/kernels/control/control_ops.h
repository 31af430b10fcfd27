// Registration of the control-flow operators (each runs subgraphs through the runtime).
#ifndef BERTH_ENGINE_KERNELS_CONTROL_CONTROL_OPS_H_
#define BERTH_ENGINE_KERNELS_CONTROL_CONTROL_OPS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterIf(KernelRegistry& registry);    // if_op.cc
absl::Status RegisterLoop(KernelRegistry& registry);  // loop_op.cc
absl::Status RegisterScan(KernelRegistry& registry);  // scan_op.cc

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_CONTROL_CONTROL_OPS_H_
