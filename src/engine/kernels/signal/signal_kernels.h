// The signal-processing operators (default ONNX domain, opsets 17-21):
//   DFT             float, double, float16, bfloat16 (opset 17: axis attribute; 20: axis input)
//   STFT            float, double, float16, bfloat16
//   HannWindow, HammingWindow, BlackmanWindow, MelWeightMatrix
//                   int32/int64 inputs; output of any numeric type (output_datatype)
// Transforms run in double precision whatever the element type.
#ifndef BERTH_ENGINE_KERNELS_SIGNAL_SIGNAL_KERNELS_H_
#define BERTH_ENGINE_KERNELS_SIGNAL_SIGNAL_KERNELS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterDft(KernelRegistry& registry);              // dft.cc
absl::Status RegisterStft(KernelRegistry& registry);             // stft.cc
absl::Status RegisterWindows(KernelRegistry& registry);          // windows.cc
absl::Status RegisterMelWeightMatrix(KernelRegistry& registry);  // mel_weight_matrix.cc

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_SIGNAL_SIGNAL_KERNELS_H_
