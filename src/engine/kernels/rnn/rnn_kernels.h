// The recurrent operators (default ONNX domain), float and double:
//   RNN   opsets 1-21 (versions 1, 7, 14)
//   GRU   opsets 1-21 (versions 1, 3, 7, 14; linear_before_reset from 3)
//   LSTM  opsets 1-21 (versions 1, 7, 14)
// All support the three directions, sequence_lens, initial states, every ONNX activation
// function with activation_alpha/beta, clip, and `layout` (opset 14 on). Opset 1's
// `output_sequence` is accepted and ignored: Y is produced whenever the graph uses it.
#ifndef BERTH_ENGINE_KERNELS_RNN_RNN_KERNELS_H_
#define BERTH_ENGINE_KERNELS_RNN_RNN_KERNELS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterRnn(KernelRegistry& registry);   // rnn.cc
absl::Status RegisterGru(KernelRegistry& registry);   // gru.cc
absl::Status RegisterLstm(KernelRegistry& registry);  // lstm.cc

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_RNN_RNN_KERNELS_H_
