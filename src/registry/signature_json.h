// A model signature as the registry stores it: one JSON object
//   {"inputs":[{"name":"x","type":"float","shape":["batch",4]}],"outputs":[...]}
// where a dim is a number (fixed), a string (symbolic) or null (unknown), and "shape" is null
// when even the rank is unknown. The same form `berth inspect --json` uses for a tensor.
#ifndef BERTH_REGISTRY_SIGNATURE_JSON_H_
#define BERTH_REGISTRY_SIGNATURE_JSON_H_

#include <string>
#include <vector>

#include "engine/graph/graph.h"

namespace berth::registry {

std::string SignatureJson(const std::vector<engine::ValueInfo>& inputs,
                          const std::vector<engine::ValueInfo>& outputs);

}  // namespace berth::registry

#endif  // BERTH_REGISTRY_SIGNATURE_JSON_H_
