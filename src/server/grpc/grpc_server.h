// The gRPC front end: inference.GRPCInferenceService (proto/grpc_service.proto), every
// method on completion queues polled by our own threads (async_calls.h). No queued request
// holds a thread: ModelInfer hands the request to serving::InferenceService and finishes the
// call from the scheduler's done(). A client that cancels (or goes away) cancels its queued
// request.
//
// Thread safety: Start and Shutdown may be called from any thread.
#ifndef BERTH_SERVER_GRPC_GRPC_SERVER_H_
#define BERTH_SERVER_GRPC_GRPC_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "protocol/infer_types.h"
#include "serving/inference_service.h"

namespace berth::server {

struct GrpcServerOptions {
  std::string host = "127.0.0.1";
  int port = 8001;                                // 0: any free port (see GrpcServer::port)
  int64_t max_message_bytes = int64_t{64} << 20;  // received and sent
  std::string admin_token;                        // empty: management calls need no token
  protocol::RequestLimits limits;
  int threads = 1;  // threads polling the completion queues, one queue each
  // After an event, a thread keeps polling this long before it sleeps (as HTTP's spin).
  std::chrono::microseconds spin{0};
};

class GrpcServer {
 public:
  // Binds and starts serving; `service` must outlive the server. Fails with Unavailable
  // naming host:port when it cannot bind.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const GrpcServerOptions& options,
                                                           serving::InferenceService* service);
  // Shutdown(now) if it has not run.
  ~GrpcServer();

  int port() const { return port_; }

  // Stops accepting calls; calls in flight may finish until `deadline`, then are cancelled.
  // Idempotent.
  void Shutdown(std::chrono::system_clock::time_point deadline);

  struct Parts;  // grpc_server.cc

 private:
  GrpcServer();
  std::unique_ptr<Parts> parts_;
  int port_ = 0;
  std::mutex mu_;
  bool shut_down_ = false;  // guarded by mu_
};

}  // namespace berth::server

#endif  // BERTH_SERVER_GRPC_GRPC_SERVER_H_
