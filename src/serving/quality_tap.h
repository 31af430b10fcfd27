// Where a request meets live quality monitoring (quality/quality_monitor.h): the service
// taps a job's inputs when it makes the job and its outputs when it answers. Kept out of
// inference_service.cc so that the request path shows one call at each end.
#ifndef BERTH_SERVING_QUALITY_TAP_H_
#define BERTH_SERVING_QUALITY_TAP_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "protocol/infer_types.h"
#include "quality/quality_monitor.h"
#include "serving/model_manager.h"

namespace berth::serving {

// One request's part: whether its rows were sampled for drift, and the id its prediction is
// recorded under (empty: not recorded, e.g. a shadow copy, whose answer nobody sees).
struct QualityTap {
  std::shared_ptr<quality::QualityMonitor> monitor;  // null: nothing to do
  const ServableVersion* version = nullptr;          // outlives the job
  bool drift = false;
  std::string request_id;

  // Feeds the response's outputs to the drift window (when sampled) and records the
  // prediction (when there is an id).
  void Outputs(const protocol::InferResponse& response) const;
};

// Feeds `inputs` (in the model's input order) to the drift window when the request is
// sampled, and returns the tap for its response.
QualityTap TapInputs(const std::shared_ptr<quality::QualityMonitor>& monitor,
                     const ServableVersion& version, std::string request_id,
                     const std::vector<engine::Tensor>& inputs);

}  // namespace berth::serving

#endif  // BERTH_SERVING_QUALITY_TAP_H_
