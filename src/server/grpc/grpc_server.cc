#include "server/grpc/grpc_server.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpc_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/common/admin_auth.h"
#include "server/grpc/async_calls.h"
#include "server/grpc/grpc_codec.h"
#include "server/grpc/grpc_messages.h"

namespace berth::server {
namespace {

using grpc::ServerContext;
namespace pb = inference;

std::string Authorization(const ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  return it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
}

// One handler per method but ModelInfer (async_calls.cc): each fills the response or fails.

absl::Status ServerLive(CallShared& s, const ServerContext&, const pb::ServerLiveRequest&,
                        pb::ServerLiveResponse* out) {
  out->set_live(s.inference->Live());
  return absl::OkStatus();
}

absl::Status ServerReady(CallShared& s, const ServerContext&, const pb::ServerReadyRequest&,
                         pb::ServerReadyResponse* out) {
  out->set_ready(s.inference->Ready());
  return absl::OkStatus();
}

absl::Status ModelReady(CallShared& s, const ServerContext&, const pb::ModelReadyRequest& in,
                        pb::ModelReadyResponse* out) {
  ASSIGN_OR_RETURN(VersionRef version, ParseVersionField(in.version()));
  absl::StatusOr<bool> ready = s.inference->ModelReady(in.name(), version);
  if (absl::IsNotFound(ready.status())) ready = false;  // the protocol answers false
  RETURN_IF_ERROR(ready.status());
  out->set_ready(*ready);
  return absl::OkStatus();
}

absl::Status ServerMetadata(CallShared& s, const ServerContext&, const pb::ServerMetadataRequest&,
                            pb::ServerMetadataResponse* out) {
  FillServerMetadata(*s.inference, out);
  return absl::OkStatus();
}

absl::Status ModelMetadata(CallShared& s, const ServerContext&, const pb::ModelMetadataRequest& in,
                           pb::ModelMetadataResponse* out) {
  ASSIGN_OR_RETURN(VersionRef version, ParseVersionField(in.version()));
  ASSIGN_OR_RETURN(protocol::ModelMetadata metadata,
                   s.inference->ModelMetadata(in.name(), version));
  return FillModelMetadata(metadata, out);
}

absl::Status ModelConfig(CallShared& s, const ServerContext&, const pb::ModelConfigRequest& in,
                         pb::ModelConfigResponse* out) {
  ASSIGN_OR_RETURN(VersionRef version, ParseVersionField(in.version()));
  ASSIGN_OR_RETURN(std::string json, s.inference->ModelConfigJson(in.name(), version));
  return FillModelConfig(json, out);
}

absl::Status ModelStatistics(CallShared& s, const ServerContext&,
                             const pb::ModelStatisticsRequest& in,
                             pb::ModelStatisticsResponse* out) {
  ASSIGN_OR_RETURN(VersionRef version, ParseVersionField(in.version()));
  ASSIGN_OR_RETURN(std::vector<protocol::VersionStatistics> stats,
                   s.inference->Statistics(in.name(), version));
  FillStatistics(stats, out);
  return absl::OkStatus();
}

absl::Status RepositoryIndex(CallShared& s, const ServerContext&,
                             const pb::RepositoryIndexRequest& in,
                             pb::RepositoryIndexResponse* out) {
  ASSIGN_OR_RETURN(std::vector<protocol::IndexEntry> index,
                   s.inference->RepositoryIndex(in.ready()));
  FillIndex(index, out);
  return absl::OkStatus();
}

absl::Status RepositoryModelLoad(CallShared& s, const ServerContext& c,
                                 const pb::RepositoryModelLoadRequest& in,
                                 pb::RepositoryModelLoadResponse*) {
  RETURN_IF_ERROR(CheckAdminToken(Authorization(c), s.admin_token));
  RETURN_IF_ERROR(CheckLoadParameters(in.parameters(), false));
  return s.inference->LoadModel(in.model_name());
}

absl::Status RepositoryModelUnload(CallShared& s, const ServerContext& c,
                                   const pb::RepositoryModelUnloadRequest& in,
                                   pb::RepositoryModelUnloadResponse*) {
  RETURN_IF_ERROR(CheckAdminToken(Authorization(c), s.admin_token));
  RETURN_IF_ERROR(CheckLoadParameters(in.parameters(), true));
  return s.inference->UnloadModel(in.model_name());
}

template <typename Request, typename Response>
void Listen(CallShared* shared, grpc::ServerCompletionQueue* cq,
            typename UnaryCall<Request, Response>::RequestFn request_fn,
            typename UnaryCall<Request, Response>::Handler handler) {
  UnaryCall<Request, Response>::Listen(shared, cq, request_fn, handler);
}

// The first call object of every method on `cq`.
void ListenForEveryMethod(CallShared* s, grpc::ServerCompletionQueue* cq) {
  using Svc = AsyncGrpcService;
  Listen<pb::ServerLiveRequest, pb::ServerLiveResponse>(s, cq, &Svc::RequestServerLive,
                                                        &ServerLive);
  Listen<pb::ServerReadyRequest, pb::ServerReadyResponse>(s, cq, &Svc::RequestServerReady,
                                                          &ServerReady);
  Listen<pb::ModelReadyRequest, pb::ModelReadyResponse>(s, cq, &Svc::RequestModelReady,
                                                        &ModelReady);
  Listen<pb::ServerMetadataRequest, pb::ServerMetadataResponse>(s, cq, &Svc::RequestServerMetadata,
                                                                &ServerMetadata);
  Listen<pb::ModelMetadataRequest, pb::ModelMetadataResponse>(s, cq, &Svc::RequestModelMetadata,
                                                              &ModelMetadata);
  Listen<pb::ModelConfigRequest, pb::ModelConfigResponse>(s, cq, &Svc::RequestModelConfig,
                                                          &ModelConfig);
  Listen<pb::ModelStatisticsRequest, pb::ModelStatisticsResponse>(
      s, cq, &Svc::RequestModelStatistics, &ModelStatistics);
  Listen<pb::RepositoryIndexRequest, pb::RepositoryIndexResponse>(
      s, cq, &Svc::RequestRepositoryIndex, &RepositoryIndex);
  Listen<pb::RepositoryModelLoadRequest, pb::RepositoryModelLoadResponse>(
      s, cq, &Svc::RequestRepositoryModelLoad, &RepositoryModelLoad);
  Listen<pb::RepositoryModelUnloadRequest, pb::RepositoryModelUnloadResponse>(
      s, cq, &Svc::RequestRepositoryModelUnload, &RepositoryModelUnload);
  ListenForModelInfer(s, cq);
}

}  // namespace

struct GrpcServer::Parts {
  AsyncGrpcService service;
  CallShared shared;
  std::unique_ptr<CallQueues> queues;  // destroyed after the server, as gRPC wants
  std::unique_ptr<grpc::Server> server;
};

GrpcServer::GrpcServer() : parts_(std::make_unique<Parts>()) {}

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(const GrpcServerOptions& options,
                                                              serving::InferenceService* service) {
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  Parts& p = *server->parts_;
  p.shared.service = &p.service;
  p.shared.inference = service;
  p.shared.limits = options.limits;
  p.shared.admin_token = options.admin_token;
  const std::string address = absl::StrCat(
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host, ":",
      options.port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(&p.service);
  const int max_bytes = static_cast<int>(std::min<int64_t>(options.max_message_bytes, INT32_MAX));
  builder.SetMaxReceiveMessageSize(max_bytes);
  builder.SetMaxSendMessageSize(max_bytes);
  // One port, one server: never share the port with another process (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  p.queues = std::make_unique<CallQueues>(&builder, options.threads, options.spin);
  p.server = builder.BuildAndStart();
  if (!p.server || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", address));
  }
  p.queues->Start([&p](grpc::ServerCompletionQueue* cq) { ListenForEveryMethod(&p.shared, cq); });
  return server;
}

GrpcServer::~GrpcServer() {
  Shutdown(std::chrono::system_clock::now());
  parts_->server.reset();
  parts_->queues.reset();
}

void GrpcServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_ || !parts_->server) return;
    shut_down_ = true;
  }
  parts_->server->Shutdown(deadline);
  parts_->server->Wait();
  parts_->queues->Shutdown(parts_->shared);
}

}  // namespace berth::server
