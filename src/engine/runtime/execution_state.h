// Per-run mutable state of an ExecutionPlan: intermediate buffers and sequences, scratch,
// oneDNN stream. One state serves one Run at a time; the plan pools them.
#ifndef BERTH_ENGINE_RUNTIME_EXECUTION_STATE_H_
#define BERTH_ENGINE_RUNTIME_EXECUTION_STATE_H_

#include <memory>
#include <vector>

#include "dnnl.hpp"
#include "engine/core/tensor.h"
#include "engine/core/tensor_sequence.h"

namespace berth::engine {

struct ExecutionState {
  ExecutionState(int num_buffers, int num_sequences);

  std::vector<Tensor> buffers;
  // One per sequence value of the plan; sequences never share storage.
  std::vector<TensorSequence> sequences;
  // The current step's arguments, kept here so that a run does not allocate them.
  std::vector<const Tensor*> step_inputs;
  std::vector<Tensor*> step_outputs;
  std::vector<const TensorSequence*> step_input_sequences;  // empty for tensor-only steps
  std::vector<TensorSequence*> step_output_sequences;
  Tensor scratch;
  dnnl::stream stream;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_RUNTIME_EXECUTION_STATE_H_
