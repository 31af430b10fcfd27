#include "server/grpc/async_calls.h"

#include <algorithm>
#include <utility>

#include "protocol/status_codes.h"
#include "server/common/io_spin.h"
#include "server/grpc/grpc_codec.h"

namespace berth::server {

grpc::Status ToGrpcStatus(const absl::Status& st) {
  if (st.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(protocol::GrpcCodeFor(st)),
                      std::string(st.message()));
}

AsyncCall::AsyncCall(CallShared* shared, grpc::ServerCompletionQueue* cq)
    : shared_(*shared), cq_(cq) {
  {
    std::lock_guard<std::mutex> lock(shared_.mu);
    ++shared_.calls;
  }
  context_.AsyncNotifyWhenDone(&done_tag_);
}

AsyncCall::~AsyncCall() {
  std::lock_guard<std::mutex> lock(shared_.mu);
  if (--shared_.calls == 0) shared_.none_left.notify_all();
}

void AsyncCall::Proceed(Event event, bool ok) {
  switch (event) {
    case Event::kArrived:
      // Not ok: the server is shutting down and no call came, so no other event will.
      if (!ok) {
        delete this;
        return;
      }
      ListenForNext();
      return Handle();
    case Event::kDone:
      if (context_.IsCancelled()) cancelled_->store(true);
      return Release();
    case Event::kFinished:
      return Release();
  }
}

void AsyncCall::Release() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

namespace {

class InferCall final : public AsyncCall {
 public:
  InferCall(CallShared* shared, grpc::ServerCompletionQueue* cq) : AsyncCall(shared, cq) {
    shared_.service->RequestModelInfer(&context_, &request_, &responder_, cq_, cq_, &arrived_tag_);
  }

 private:
  void ListenForNext() override { new InferCall(&shared_, cq_); }

  void Handle() override {
    absl::StatusOr<VersionRef> version = ParseVersionField(request_.model_version());
    if (!version.ok()) return Finish(version.status());
    absl::StatusOr<protocol::InferRequest> request = DecodeInferRequest(request_, shared_.limits);
    const auto request_bytes = static_cast<int64_t>(request_.ByteSizeLong());
    if (!request.ok()) {
      shared_.inference->CountUndecodable(request_.model_name(), *version, request_bytes);
      return Finish(request.status());
    }
    request->wire_bytes = request_bytes;
    answered_inline_ = false;
    shared_.inference->Infer(
        request_.model_name(), *version, *std::move(request), cancelled_,
        [this, thread = std::this_thread::get_id()](serving::InferResult result) {
          // Written only on this thread: no other thread touches it.
          if (std::this_thread::get_id() == thread) answered_inline_ = true;
          absl::Status st = result.status();
          if (st.ok()) st = EncodeInferResponse(*result, &response_);
          if (st.ok()) {
            protocol::CountResponseBytes(*result, static_cast<int64_t>(response_.ByteSizeLong()));
          }
          Finish(st);
        });
    // Not answered here: the model runs elsewhere, and this thread should sleep, not spin.
    if (!answered_inline_) SkipSpinAfterThisEvent();
  }

  void Finish(const absl::Status& st) {
    if (st.ok()) {
      responder_.Finish(response_, grpc::Status::OK, &finished_tag_);
    } else {
      responder_.FinishWithError(ToGrpcStatus(st), &finished_tag_);
    }
  }

  inference::ModelInferRequest request_;
  inference::ModelInferResponse response_;
  grpc::ServerAsyncResponseWriter<inference::ModelInferResponse> responder_{&context_};
  bool answered_inline_ = false;  // the reply came back inside Infer, on the polling thread
};

}  // namespace

void ListenForModelInfer(CallShared* shared, grpc::ServerCompletionQueue* cq) {
  new InferCall(shared, cq);
}

CallQueues::CallQueues(grpc::ServerBuilder* builder, int count, std::chrono::microseconds spin)
    : spin_(spin) {
  for (int i = 0; i < std::max(1, count); ++i) queues_.push_back(builder->AddCompletionQueue());
}

CallQueues::~CallQueues() {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& cq : queues_) cq->Shutdown();
  if (!started_) {
    for (auto& cq : queues_) Poll(cq.get(), {});  // gRPC wants every queue drained
  }
  for (std::thread& t : threads_) t.join();
}

void CallQueues::Start(const std::function<void(grpc::ServerCompletionQueue*)>& listen) {
  started_ = true;
  for (auto& cq : queues_) {
    listen(cq.get());
    threads_.emplace_back([q = cq.get(), spin = spin_] { Poll(q, spin); });
  }
}

void CallQueues::Poll(grpc::ServerCompletionQueue* cq, std::chrono::microseconds spin) {
  using Clock = std::chrono::system_clock;  // the clock gRPC's deadlines take
  void* raw = nullptr;
  bool ok = false;
  Clock::time_point last_event = Clock::now();
  while (true) {
    if (Clock::now() - last_event < spin) {
      // Polls without sleeping: a deadline already passed makes AsyncNext return at once.
      const auto status = cq->AsyncNext(&raw, &ok, last_event);
      if (status == grpc::CompletionQueue::SHUTDOWN) return;
      if (status == grpc::CompletionQueue::TIMEOUT) continue;
    } else if (!cq->Next(&raw, &ok)) {
      return;
    }
    auto* tag = static_cast<AsyncCall::Tag*>(raw);
    tag->call->Proceed(tag->event, ok);
    last_event = TakeSkipSpin() ? Clock::time_point() : Clock::now();
  }
}

void CallQueues::Shutdown(CallShared& shared) {
  if (shut_down_ || !started_) return;
  shut_down_ = true;
  {
    std::unique_lock<std::mutex> lock(shared.mu);
    shared.none_left.wait(lock, [&shared] { return shared.calls == 0; });
  }
  for (auto& cq : queues_) cq->Shutdown();
  for (std::thread& t : threads_) t.join();
}

}  // namespace berth::server
