// Per-run mutable state of an ExecutionPlan: intermediate buffers, scratch, oneDNN stream.
// One state serves one Run at a time; the plan pools them.
#ifndef BERTH_ENGINE_RUNTIME_EXECUTION_STATE_H_
#define BERTH_ENGINE_RUNTIME_EXECUTION_STATE_H_

#include <memory>
#include <vector>

#include "dnnl.hpp"
#include "engine/core/tensor.h"

namespace berth::engine {

struct ExecutionState {
  explicit ExecutionState(int num_buffers);

  std::vector<Tensor> buffers;
  Tensor scratch;
  dnnl::stream stream;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_RUNTIME_EXECUTION_STATE_H_
