#include "serving/quality_tap.h"

namespace berth::serving {

QualityTap TapInputs(const std::shared_ptr<quality::QualityMonitor>& monitor,
                     const ServableVersion& version, std::string request_id,
                     const std::vector<engine::Tensor>& inputs) {
  QualityTap tap;
  if (!monitor) return tap;
  tap.monitor = monitor;
  tap.version = &version;
  tap.request_id = std::move(request_id);
  tap.drift = monitor->WantsDrift(version.profile != nullptr);
  if (!tap.drift) return tap;
  const std::vector<engine::TensorSignature>& declared = version.model->inputs();
  std::vector<quality::TensorRef> refs;
  refs.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size() && i < declared.size(); ++i) {
    refs.push_back({&declared[i].name, &inputs[i]});
  }
  monitor->ObserveInputs({version.model_name, version.version}, version.profile, refs);
  return tap;
}

void QualityTap::Outputs(const protocol::InferResponse& response) const {
  if (!monitor || (!drift && request_id.empty())) return;
  const std::vector<engine::TensorSignature>& declared = version->model->outputs();
  if (declared.empty()) return;
  std::vector<quality::TensorRef> refs;
  refs.reserve(response.outputs.size());
  for (const protocol::InferOutput& o : response.outputs) refs.push_back({&o.name, &o.tensor});
  monitor->ObserveOutputs({version->model_name, version->version}, version->profile, drift,
                          request_id, declared.front().name, refs);
}

}  // namespace berth::serving
