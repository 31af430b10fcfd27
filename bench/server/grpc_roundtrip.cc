// The leanest gRPC client the overhead benchmark could use: one channel, the generated
// synchronous stub, and a request parsed once from a file, sent `iterations` times one after
// another (concurrency 1). Prints one JSON line with the latency percentiles in microseconds.
//
//   grpc_roundtrip HOST:PORT REQUEST_FILE WARMUP ITERATIONS BUDGET_SECONDS
//
// REQUEST_FILE holds a serialized inference.ModelInferRequest; an empty file times ServerLive
// instead (the transport's floor). The loop stops early once BUDGET_SECONDS have passed.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "grpc_service.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string target;
  std::string request_file;
  int warmup = 0;
  int iterations = 0;
  double budget_s = 0;
};

bool ParseArgs(int argc, char** argv, Args* a) {
  if (argc != 6) return false;
  a->target = argv[1];
  a->request_file = argv[2];
  a->warmup = std::atoi(argv[3]);
  a->iterations = std::atoi(argv[4]);
  a->budget_s = std::atof(argv[5]);
  return a->iterations > 0 && a->budget_s > 0;
}

// One call; false (after printing why) when it fails.
template <typename Call>
bool TimedCall(Call&& call, std::vector<double>* us) {
  const Clock::time_point start = Clock::now();
  grpc::Status status = call();
  const double elapsed = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  if (!status.ok()) {
    std::fprintf(stderr, "grpc_roundtrip: call failed: %s\n", status.error_message().c_str());
    return false;
  }
  if (us != nullptr) us->push_back(elapsed);
  return true;
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!ParseArgs(argc, argv, &a)) {
    std::fprintf(stderr,
                 "usage: grpc_roundtrip HOST:PORT REQUEST_FILE WARMUP ITERATIONS BUDGET_SECONDS\n");
    return 2;
  }
  std::ifstream in(a.request_file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  inference::ModelInferRequest request;
  const bool live = bytes.str().empty();
  if (!in || (!live && !request.ParseFromString(bytes.str()))) {
    std::fprintf(stderr, "grpc_roundtrip: cannot read a ModelInferRequest from %s\n",
                 a.request_file.c_str());
    return 1;
  }
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(1 << 28);
  channel_args.SetMaxSendMessageSize(1 << 28);
  auto stub = inference::GRPCInferenceService::NewStub(
      grpc::CreateCustomChannel(a.target, grpc::InsecureChannelCredentials(), channel_args));
  auto call = [&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (live) {
      inference::ServerLiveResponse response;
      return stub->ServerLive(&context, inference::ServerLiveRequest(), &response);
    }
    inference::ModelInferResponse response;
    return stub->ModelInfer(&context, request, &response);
  };
  for (int i = 0; i < a.warmup; ++i) {
    if (!TimedCall(call, nullptr)) return 1;
  }
  std::vector<double> us;
  const Clock::time_point end =
      Clock::now() + std::chrono::microseconds(static_cast<int64_t>(a.budget_s * 1e6));
  while (static_cast<int>(us.size()) < a.iterations && Clock::now() < end) {
    if (!TimedCall(call, &us)) return 1;
  }
  std::printf("{\"n\": %zu, \"p50_us\": %.2f, \"p90_us\": %.2f, \"p99_us\": %.2f}\n", us.size(),
              Percentile(us, 0.5), Percentile(us, 0.9), Percentile(us, 0.99));
  return 0;
}
