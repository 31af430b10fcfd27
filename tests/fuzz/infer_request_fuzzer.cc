// libFuzzer target: arbitrary bytes through the HTTP infer request codec, as the server gets
// them from the network. The first 4 bytes (little-endian) say how many of the rest are the
// JSON header (as Inference-Header-Content-Length does); the remainder is binary tensor data.
// Any input must give a request or an error, never a crash, a leak or undefined behaviour; a
// request that parses is encoded back as a response, half of its tensors in binary form.
// The DOM-only parse (ParseInferRequestJsonDom) must give the same request or the same error
// as ParseInferRequestJson with its fast reader of "data" values; a difference aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/json_codec.h"

namespace {

bool SameTensor(const berth::engine::Tensor& a, const berth::engine::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() == berth::engine::DataType::kString) return a.strings() == b.strings();
  return std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;
}

bool Same(const absl::StatusOr<berth::protocol::InferRequest>& a,
          const absl::StatusOr<berth::protocol::InferRequest>& b) {
  if (!a.ok() || !b.ok()) return a.status() == b.status();
  if (a->id != b->id || a->inputs.size() != b->inputs.size() ||
      a->outputs.size() != b->outputs.size() || a->binary_outputs != b->binary_outputs ||
      a->timeout_us != b->timeout_us) {
    return false;
  }
  for (size_t i = 0; i < a->inputs.size(); ++i) {
    if (a->inputs[i].name != b->inputs[i].name ||
        !SameTensor(a->inputs[i].tensor, b->inputs[i].tensor)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t header = 0;
  for (int b = 3; b >= 0; --b) header = (header << 8) | data[b];
  absl::string_view rest(reinterpret_cast<const char*>(data) + 4, size - 4);
  const size_t json_size = std::min<size_t>(header, rest.size());
  berth::protocol::RequestLimits limits;
  limits.max_elements_per_input = 1 << 16;
  absl::StatusOr<berth::protocol::InferRequest> request = berth::protocol::ParseInferRequestJson(
      rest.substr(0, json_size), rest.substr(json_size), limits);
  if (!Same(request, berth::protocol::ParseInferRequestJsonDom(rest.substr(0, json_size),
                                                               rest.substr(json_size), limits))) {
    std::abort();  // the fast reader and the DOM parse disagree
  }
  if (!request.ok()) return 0;
  berth::protocol::InferResponse response;
  response.id = request->id;
  for (size_t i = 0; i < request->inputs.size(); ++i) {
    response.outputs.push_back(
        {request->inputs[i].name, std::move(request->inputs[i].tensor), i % 2 == 1});
  }
  std::string binary;
  (void)berth::protocol::EncodeInferResponseJson(response, &binary);
  return 0;
}
