// Times the request-path cost of drift monitoring: QualityMonitor::ObserveInputs per row, for
// a narrow input (16 features) and an image-sized one (3x224x224, pooled), plus the output
// side. Run by hand (build/bin/quality_bench); prints nanoseconds per row.
#include <chrono>
#include <cstdio>

#include "quality/quality_monitor.h"
#include "quality/test_util.h"

namespace {

using berth::quality::Normal;
using berth::quality::ProfileBuilder;
using berth::quality::QualityMonitor;
using berth::quality::TensorRole;

void Time(const char* what, int64_t cols, int64_t rows_per_request, int requests) {
  const std::string name = "x";
  ProfileBuilder builder;
  (void)builder.Add(TensorRole::kInput, name, Normal(200, cols, 0));
  auto profile =
      std::make_shared<const berth::quality::Profile>(*builder.Finish(absl::UnixEpoch(), "bench"));
  QualityMonitor monitor({}, nullptr, nullptr);
  berth::engine::Tensor batch = Normal(rows_per_request, cols, 0.1);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < requests; ++i) {
    monitor.ObserveInputs({"m", 1}, profile, {{&name, &batch}});
  }
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-40s %10.0f ns per row, %10.0f ns per request\n", what,
              ns / (double(requests) * rows_per_request), ns / requests);
}

}  // namespace

int main() {
  Time("16 features, 1 row per request", 16, 1, 200000);
  Time("16 features, 32 rows per request", 16, 32, 10000);
  Time("64 features, 1 row per request", 64, 1, 100000);
  Time("3x224x224 image (pooled), 1 row", 3 * 224 * 224, 1, 2000);
  return 0;
}
