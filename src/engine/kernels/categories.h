// One registration function per kernel category; register_all.cc calls each of them.
#ifndef BERTH_ENGINE_KERNELS_CATEGORIES_H_
#define BERTH_ENGINE_KERNELS_CATEGORIES_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterElementwiseKernels(KernelRegistry& registry);  // elementwise/
absl::Status RegisterNnKernels(KernelRegistry& registry);           // nn/
absl::Status RegisterMathKernels(KernelRegistry& registry);         // math/
absl::Status RegisterTensorKernels(KernelRegistry& registry);       // tensor/
absl::Status RegisterIndexingKernels(KernelRegistry& registry);     // indexing/
absl::Status RegisterRnnKernels(KernelRegistry& registry);          // rnn/
absl::Status RegisterSignalKernels(KernelRegistry& registry);       // signal/
absl::Status RegisterTextKernels(KernelRegistry& registry);         // text/
absl::Status RegisterControlFlowKernels(KernelRegistry& registry);  // control/
absl::Status RegisterSequenceKernels(KernelRegistry& registry);     // sequence/

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_CATEGORIES_H_
