#include "server/grpc/async_calls.h"

#include <algorithm>
#include <utility>

#include "monitoring/access_log.h"
#include "protocol/status_codes.h"
#include "server/common/io_spin.h"
#include "server/common/request_id.h"
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

absl::string_view ToView(const grpc::string_ref& s) {
  return absl::string_view(s.data(), s.size());
}

class InferCall final : public AsyncCall {
 public:
  InferCall(CallShared* shared, grpc::ServerCompletionQueue* cq) : AsyncCall(shared, cq) {
    shared_.service->RequestModelInfer(&context_, &request_, &responder_, cq_, cq_, &arrived_tag_);
  }

 private:
  void ListenForNext() override { new InferCall(&shared_, cq_); }

  void Handle() override {
    start_ = std::chrono::steady_clock::now();
    ReadTraceMetadata();
    absl::StatusOr<std::string> request_id = ChooseRequestId(request_.id(), header_id_);
    if (!request_id.ok()) {
      request_id_ = GenerateRequestId();  // the refusal is known by an id of our own
      return Finish(request_id.status());
    }
    request_id_ = *std::move(request_id);
    absl::StatusOr<VersionRef> version = ParseVersionField(request_.model_version());
    if (!version.ok()) return Finish(version.status());
    absl::StatusOr<protocol::InferRequest> request = DecodeInferRequest(request_, shared_.limits);
    const auto request_bytes = static_cast<int64_t>(request_.ByteSizeLong());
    if (!request.ok()) {
      shared_.inference->CountUndecodable(request_.model_name(), *version, request_bytes);
      return Finish(request.status());
    }
    request->wire_bytes = request_bytes;
    request->request_id = request_id_;
    request->traceparent = traceparent_;
    answered_inline_ = false;
    shared_.inference->Infer(
        request_.model_name(), *version, *std::move(request), cancelled_,
        [this, thread = std::this_thread::get_id()](serving::InferResult result) {
          // Written only on this thread: no other thread touches it.
          if (std::this_thread::get_id() == thread) answered_inline_ = true;
          absl::Status st = result.status();
          if (st.ok()) {
            version_ = result->model_version;
            timing_ = result->timing;
            st = EncodeInferResponse(*result, &response_);
          }
          if (st.ok()) {
            protocol::CountResponseBytes(*result, static_cast<int64_t>(response_.ByteSizeLong()));
          }
          Finish(st);
        });
    // Not answered here: the model runs elsewhere, and this thread should sleep, not spin.
    if (!answered_inline_) SkipSpinAfterThisEvent();
  }

  // The client's x-request-id and (when well formed) traceparent metadata.
  void ReadTraceMetadata() {
    const auto& metadata = context_.client_metadata();
    auto id = metadata.find(kRequestIdHeader);
    if (id != metadata.end()) header_id_ = ToView(id->second);
    auto traceparent = metadata.find(kTraceparentHeader);
    if (traceparent != metadata.end()) {
      std::optional<absl::string_view> kept = ParseTraceparent(ToView(traceparent->second));
      if (kept) traceparent_ = std::string(*kept);
    }
  }

  void Finish(const absl::Status& st) {
    context_.AddInitialMetadata(kRequestIdHeader, request_id_);
    // Once finished, the call may be deleted by the polling thread at any moment: the access
    // record is taken first, and written after the reply is on its way.
    std::optional<AccessLine> access;
    if (monitoring::AccessLogEnabled()) access.emplace(TakeAccessLine(st));
    if (st.ok()) {
      responder_.Finish(response_, grpc::Status::OK, &finished_tag_);
    } else {
      responder_.FinishWithError(ToGrpcStatus(st), &finished_tag_);
    }
    if (access) access->Write();
  }

  // An access record that owns its strings (the call may be gone when it is written).
  struct AccessLine {
    std::string request_id, model, version, status, peer, traceparent;
    monitoring::AccessRecord record;  // its strings are set by Write
    void Write() {
      record.request_id = request_id;
      record.model = model;
      record.version = version;
      record.status = status;
      record.peer = peer;
      record.traceparent = traceparent;
      monitoring::LogAccess(record);
    }
  };

  AccessLine TakeAccessLine(const absl::Status& st) {
    AccessLine line;
    line.request_id = request_id_;
    line.model = request_.model_name();
    line.version = std::move(version_);
    line.status = absl::StatusCodeToString(
        static_cast<absl::StatusCode>(static_cast<int>(ToGrpcStatus(st).error_code())));
    line.peer = context_.peer();
    // "ipv4:127.0.0.1:5000" -> "127.0.0.1:5000", as the HTTP access lines write it.
    if (line.peer.rfind("ipv4:", 0) == 0 || line.peer.rfind("ipv6:", 0) == 0) {
      line.peer.erase(0, 5);
    }
    line.traceparent = traceparent_;
    monitoring::AccessRecord& r = line.record;
    r.protocol = "grpc";
    r.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start_)
                        .count();
    r.queue_us = timing_.queue_ns / 1000;
    r.compute_us = timing_.compute_ns / 1000;
    r.bytes_in = static_cast<int64_t>(request_.ByteSizeLong());
    r.bytes_out = st.ok() ? static_cast<int64_t>(response_.ByteSizeLong()) : 0;
    return line;
  }

  inference::ModelInferRequest request_;
  inference::ModelInferResponse response_;
  grpc::ServerAsyncResponseWriter<inference::ModelInferResponse> responder_{&context_};
  bool answered_inline_ = false;  // the reply came back inside Infer, on the polling thread
  std::chrono::steady_clock::time_point start_;
  std::optional<absl::string_view> header_id_;  // into context_'s metadata
  std::string request_id_;
  std::string traceparent_;  // well formed, or empty
  std::string version_;      // the version that answered
  protocol::InferTiming timing_;
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
