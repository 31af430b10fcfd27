// libFuzzer target: arbitrary bytes through the HTTP infer request codec, as the server gets
// them from the network. The first 4 bytes (little-endian) say how many of the rest are the
// JSON header (as Inference-Header-Content-Length does); the remainder is binary tensor data.
// Any input must give a request or an error, never a crash, a leak or undefined behaviour; a
// request that parses is encoded back as a response, half of its tensors in binary form.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "protocol/json_codec.h"

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
