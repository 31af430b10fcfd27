// The gRPC calls on completion queues. Every method of the service is registered async, so
// that the threads polling the queues read a request, handle it (ModelInfer hands it to
// serving::InferenceService, which may run it right there) and start the reply with no
// hand-off of their own; gRPC's callback API would add two per call (its poller threads
// pass each event to another thread), which at concurrency 1 cost more than a small model.
//
// A call object lives from the request for a call to its last event: it asks for the next
// call of its method once its own has arrived, and deletes itself after both the context's
// done notification (the call ended or was cancelled) and its Finish have come back.
#ifndef BERTH_SERVER_GRPC_ASYNC_CALLS_H_
#define BERTH_SERVER_GRPC_ASYNC_CALLS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "grpc_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "protocol/infer_types.h"
#include "serving/inference_service.h"

namespace berth::server {

using AsyncGrpcService = inference::GRPCInferenceService::AsyncService;

// What every call needs; owned by CallQueues, outlives every call.
struct CallShared {
  AsyncGrpcService* service = nullptr;
  serving::InferenceService* inference = nullptr;
  protocol::RequestLimits limits;
  std::string admin_token;  // empty: management calls need no token

  // Calls that exist (listening, or arrived and not yet done): the queues may shut down only
  // once none is left, since a call's Finish may still come from a scheduler thread.
  std::mutex mu;
  std::condition_variable none_left;
  int64_t calls = 0;  // guarded by mu
};

// The status gRPC answers for `st` (protocol/status_codes.h's mapping).
grpc::Status ToGrpcStatus(const absl::Status& st);

class AsyncCall {
 public:
  enum class Event { kArrived, kDone, kFinished };
  struct Tag {
    AsyncCall* call;
    Event event;
  };
  virtual ~AsyncCall();
  AsyncCall(const AsyncCall&) = delete;
  AsyncCall& operator=(const AsyncCall&) = delete;

  // Handles one event of this call, taken from its queue (`ok` as the queue gave it).
  void Proceed(Event event, bool ok);

 protected:
  AsyncCall(CallShared* shared, grpc::ServerCompletionQueue* cq);
  // The call arrived: answer it (Finish now or later, exactly once).
  virtual void Handle() = 0;
  // A new object waiting for the next call of the same method.
  virtual void ListenForNext() = 0;

  CallShared& shared_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext context_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  Tag arrived_tag_{this, Event::kArrived};
  Tag done_tag_{this, Event::kDone};
  Tag finished_tag_{this, Event::kFinished};

 private:
  void Release();
  std::atomic<int> pending_{2};  // the done notification and the Finish, once arrived
};

// A unary method answered at once by `Handler`, which fills the response or fails.
template <typename Request, typename Response>
class UnaryCall final : public AsyncCall {
 public:
  using RequestFn = void (AsyncGrpcService::*)(grpc::ServerContext*, Request*,
                                               grpc::ServerAsyncResponseWriter<Response>*,
                                               grpc::CompletionQueue*, grpc::ServerCompletionQueue*,
                                               void*);
  using Handler = absl::Status (*)(CallShared& shared, const grpc::ServerContext& context,
                                   const Request& request, Response* response);

  // Waits for the first call of the method on `cq`; the object deletes itself.
  static void Listen(CallShared* shared, grpc::ServerCompletionQueue* cq, RequestFn request_fn,
                     Handler handler) {
    new UnaryCall(shared, cq, request_fn, handler);
  }

 private:
  UnaryCall(CallShared* shared, grpc::ServerCompletionQueue* cq, RequestFn request_fn,
            Handler handler)
      : AsyncCall(shared, cq), request_fn_(request_fn), handler_(handler) {
    (shared_.service->*request_fn_)(&context_, &request_, &responder_, cq_, cq_, &arrived_tag_);
  }
  void ListenForNext() override { Listen(&shared_, cq_, request_fn_, handler_); }
  void Handle() override {
    const absl::Status st = handler_(shared_, context_, request_, &response_);
    if (st.ok()) {
      responder_.Finish(response_, grpc::Status::OK, &finished_tag_);
    } else {
      responder_.FinishWithError(ToGrpcStatus(st), &finished_tag_);
    }
  }

  const RequestFn request_fn_;
  const Handler handler_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_{&context_};
};

// Waits for the first ModelInfer call on `cq` (async_calls.cc): decodes the request, hands
// it to the inference service and finishes from its done(); a cancelled call cancels its job.
void ListenForModelInfer(CallShared* shared, grpc::ServerCompletionQueue* cq);

// The completion queues and the threads that poll them, one thread a queue.
class CallQueues {
 public:
  // Adds `count` queues to `builder`; call before the server is built. After an event, a
  // thread keeps polling its queue for `spin` before it sleeps (see GrpcServerOptions).
  CallQueues(grpc::ServerBuilder* builder, int count, std::chrono::microseconds spin);
  // Shutdown() if it has not run.
  ~CallQueues();
  CallQueues(const CallQueues&) = delete;
  CallQueues& operator=(const CallQueues&) = delete;

  // Once the server has started: `listen` makes the first call objects of every method on a
  // queue; then one thread polls each queue.
  void Start(const std::function<void(grpc::ServerCompletionQueue*)>& listen);

  // After the server's Shutdown has returned (no call can arrive any more): waits for the
  // calls still running (the schedulers answer them; cancelled ones without running), shuts
  // the queues down, drains them, and joins the threads. Idempotent.
  void Shutdown(CallShared& shared);

 private:
  static void Poll(grpc::ServerCompletionQueue* cq, std::chrono::microseconds spin);
  const std::chrono::microseconds spin_;

  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace berth::server

#endif  // BERTH_SERVER_GRPC_ASYNC_CALLS_H_
