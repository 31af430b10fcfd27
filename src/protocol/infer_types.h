// An inference request and response of the Open Inference Protocol, independent of the
// transport: the HTTP (JSON and binary) and gRPC codecs translate to and from these.
#ifndef BERTH_PROTOCOL_INFER_TYPES_H_
#define BERTH_PROTOCOL_INFER_TYPES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace berth::protocol {

struct InferInput {
  std::string name;
  engine::Tensor tensor;  // datatype and shape as the request declared them
};

struct RequestedOutput {
  std::string name;
  bool binary = false;  // return as binary data (the binary tensor extension)
};

struct InferRequest {
  std::string id;  // echoed back; empty when the client gave none
  // The id logs, feedback and the canary split know the request by: `id`, else the
  // transport's x-request-id header, else one the front end generated (and echoed back in
  // x-request-id). May be empty in requests made in process; see EffectiveRequestId.
  std::string request_id;
  // The W3C trace context header when the client sent one (logged, never interpreted).
  std::string traceparent;
  std::vector<InferInput> inputs;
  // The outputs asked for; empty = every output of the model.
  std::vector<RequestedOutput> outputs;
  // The request-level "binary_data_output": outputs not listed above come back binary.
  bool binary_outputs = false;
  // The request's "timeout" parameter in microseconds, when given.
  std::optional<int64_t> timeout_us;
  // The size of the request as the transport received it (the HTTP body; the gRPC message's
  // ByteSizeLong), counted in the version's metrics; 0 when unknown (in process).
  int64_t wire_bytes = 0;
};

struct InferOutput {
  std::string name;
  engine::Tensor tensor;
  bool binary = false;
};

// Where a request's time went, filled by the service for the logs and metrics.
struct InferTiming {
  int64_t queue_ns = 0;    // waiting in the version's queue
  int64_t compute_ns = 0;  // the model run (shared by the jobs of a batch)
  int64_t batch_rows = 0;  // rows of the execution it ran in
};

// Counts the bytes a transport sent back for a response (the answering version's metrics).
// Thread-safe.
class ResponseBytesCounter {
 public:
  virtual ~ResponseBytesCounter() = default;
  virtual void CountResponseBytes(int64_t bytes) const = 0;
};

struct InferResponse {
  std::string model_name;
  std::string model_version;
  // The SHA-256 of the version's artifact when it came from the model registry, else empty;
  // sent as the response parameter kModelDigestParameter (and an HTTP header).
  std::string model_digest;
  std::string id;
  std::vector<InferOutput> outputs;
  InferTiming timing;
  // Where the front end reports the size of the encoded response (CountResponseBytes below);
  // null when the server keeps no metrics.
  std::shared_ptr<const ResponseBytesCounter> bytes_counter;
};

// Tells the response's counter, if it has one, that `bytes` were sent for it.
inline void CountResponseBytes(const InferResponse& response, int64_t bytes) {
  if (response.bytes_counter) response.bytes_counter->CountResponseBytes(bytes);
}

// request.request_id, or request.id when that is empty.
inline const std::string& EffectiveRequestId(const InferRequest& request) {
  return request.request_id.empty() ? request.id : request.request_id;
}

inline constexpr char kModelDigestParameter[] = "berth_model_digest";

// Bounds on what a request may ask of the server; each is a server setting.
struct RequestLimits {
  int64_t max_elements_per_input = int64_t{1} << 28;
  int max_json_depth = 32;
  int max_inputs = 1024;
};

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_INFER_TYPES_H_
