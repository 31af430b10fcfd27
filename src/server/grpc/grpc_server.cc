#include "server/grpc/grpc_server.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "grpc_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "protocol/status_codes.h"
#include "server/common/admin_auth.h"
#include "server/grpc/grpc_codec.h"
#include "server/grpc/grpc_messages.h"

namespace berth::server {
namespace {

grpc::Status ToGrpc(const absl::Status& st) {
  if (st.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(protocol::GrpcCodeFor(st)),
                      std::string(st.message()));
}

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, const absl::Status& st) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpc(st));
  return reactor;
}

// A ModelInfer call: finished from the scheduler's thread; a cancelled call marks its job.
class InferReactor : public grpc::ServerUnaryReactor {
 public:
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  void OnCancel() override { cancelled->store(true); }
  void OnDone() override { delete this; }
};

std::string Authorization(const grpc::CallbackServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  return it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace

class GrpcServer::Service final : public inference::GRPCInferenceService::CallbackService {
 public:
  Service(serving::InferenceService* service, const GrpcServerOptions& options)
      : service_(*service), options_(options) {}

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* c,
                                       const inference::ServerLiveRequest*,
                                       inference::ServerLiveResponse* out) override {
    out->set_live(service_.Live());
    return Answer(c, absl::OkStatus());
  }
  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* c,
                                        const inference::ServerReadyRequest*,
                                        inference::ServerReadyResponse* out) override {
    out->set_ready(service_.Ready());
    return Answer(c, absl::OkStatus());
  }
  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* c,
                                       const inference::ModelReadyRequest* in,
                                       inference::ModelReadyResponse* out) override {
    absl::StatusOr<int64_t> version = ParseVersionField(in->version());
    if (!version.ok()) return Answer(c, version.status());
    absl::StatusOr<bool> ready = service_.ModelReady(in->name(), *version);
    if (absl::IsNotFound(ready.status())) ready = false;  // the protocol answers false
    if (!ready.ok()) return Answer(c, ready.status());
    out->set_ready(*ready);
    return Answer(c, absl::OkStatus());
  }
  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* c,
                                           const inference::ServerMetadataRequest*,
                                           inference::ServerMetadataResponse* out) override {
    FillServerMetadata(service_, out);
    return Answer(c, absl::OkStatus());
  }
  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* c,
                                          const inference::ModelMetadataRequest* in,
                                          inference::ModelMetadataResponse* out) override {
    absl::StatusOr<int64_t> version = ParseVersionField(in->version());
    if (!version.ok()) return Answer(c, version.status());
    absl::StatusOr<protocol::ModelMetadata> metadata =
        service_.ModelMetadata(in->name(), *version);
    if (!metadata.ok()) return Answer(c, metadata.status());
    return Answer(c, FillModelMetadata(*metadata, out));
  }
  grpc::ServerUnaryReactor* ModelConfig(grpc::CallbackServerContext* c,
                                        const inference::ModelConfigRequest* in,
                                        inference::ModelConfigResponse* out) override {
    absl::StatusOr<int64_t> version = ParseVersionField(in->version());
    if (!version.ok()) return Answer(c, version.status());
    absl::StatusOr<std::string> json = service_.ModelConfigJson(in->name(), *version);
    if (!json.ok()) return Answer(c, json.status());
    return Answer(c, FillModelConfig(*json, out));
  }
  grpc::ServerUnaryReactor* ModelStatistics(grpc::CallbackServerContext* c,
                                            const inference::ModelStatisticsRequest* in,
                                            inference::ModelStatisticsResponse* out) override {
    absl::StatusOr<int64_t> version = ParseVersionField(in->version());
    if (!version.ok()) return Answer(c, version.status());
    absl::StatusOr<std::vector<protocol::VersionStatistics>> stats =
        service_.Statistics(in->name(), *version);
    if (!stats.ok()) return Answer(c, stats.status());
    FillStatistics(*stats, out);
    return Answer(c, absl::OkStatus());
  }
  grpc::ServerUnaryReactor* RepositoryIndex(grpc::CallbackServerContext* c,
                                            const inference::RepositoryIndexRequest* in,
                                            inference::RepositoryIndexResponse* out) override {
    absl::StatusOr<std::vector<protocol::IndexEntry>> index =
        service_.RepositoryIndex(in->ready());
    if (!index.ok()) return Answer(c, index.status());
    FillIndex(*index, out);
    return Answer(c, absl::OkStatus());
  }
  grpc::ServerUnaryReactor* RepositoryModelLoad(
      grpc::CallbackServerContext* c, const inference::RepositoryModelLoadRequest* in,
      inference::RepositoryModelLoadResponse*) override {
    absl::Status st = CheckAdminToken(Authorization(c), options_.admin_token);
    if (st.ok()) st = CheckLoadParameters(in->parameters(), false);
    if (st.ok()) st = service_.LoadModel(in->model_name());
    return Answer(c, st);
  }
  grpc::ServerUnaryReactor* RepositoryModelUnload(
      grpc::CallbackServerContext* c, const inference::RepositoryModelUnloadRequest* in,
      inference::RepositoryModelUnloadResponse*) override {
    absl::Status st = CheckAdminToken(Authorization(c), options_.admin_token);
    if (st.ok()) st = CheckLoadParameters(in->parameters(), true);
    if (st.ok()) st = service_.UnloadModel(in->model_name());
    return Answer(c, st);
  }

  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* c,
                                       const inference::ModelInferRequest* in,
                                       inference::ModelInferResponse* out) override {
    absl::StatusOr<int64_t> version = ParseVersionField(in->model_version());
    if (!version.ok()) return Answer(c, version.status());
    absl::StatusOr<protocol::InferRequest> request = DecodeInferRequest(*in, options_.limits);
    if (!request.ok()) return Answer(c, request.status());
    auto* reactor = new InferReactor();
    service_.Infer(in->model_name(), *version, *std::move(request), reactor->cancelled,
                   [reactor, out](serving::InferResult result) {
                     absl::Status st = result.status();
                     if (st.ok()) st = EncodeInferResponse(*result, out);
                     reactor->Finish(ToGrpc(st));
                   });
    return reactor;
  }

 private:
  serving::InferenceService& service_;
  const GrpcServerOptions options_;
};

GrpcServer::GrpcServer() = default;

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const GrpcServerOptions& options, serving::InferenceService* service) {
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  server->service_ = std::make_unique<Service>(service, options);
  const std::string address =
      absl::StrCat(options.host.find(':') != std::string::npos ? "[" + options.host + "]"
                                                               : options.host,
                   ":", options.port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->service_.get());
  const int max_bytes =
      static_cast<int>(std::min<int64_t>(options.max_message_bytes, INT32_MAX));
  builder.SetMaxReceiveMessageSize(max_bytes);
  builder.SetMaxSendMessageSize(max_bytes);
  // One port, one server: never share the port with another process (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", address));
  }
  return server;
}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::system_clock::now()); }

void GrpcServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_ || !server_) return;
    shut_down_ = true;
  }
  server_->Shutdown(deadline);
  server_->Wait();
}

}  // namespace berth::server
