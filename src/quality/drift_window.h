// The live side of drift: the same binning as a reference profile (profile.h) over the last
// N rows of traffic, and the PSI of each tensor against the profile.
//
// The window is a ring of `sub_windows` sub-windows of ceil(rows / sub_windows) rows each;
// when the newest fills, the oldest is cleared and becomes the newest, so the window covers
// between rows - rows/sub_windows and rows of the latest rows, in memory fixed at creation
// (sub_windows x bins x histograms counters per tensor). Each tensor counts its own rows (a
// request may leave out an output).
//
// Not thread-safe: the caller holds a lock.
#ifndef BERTH_QUALITY_DRIFT_WINDOW_H_
#define BERTH_QUALITY_DRIFT_WINDOW_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "quality/profile.h"

namespace berth::quality {

struct DriftWindowOptions {
  int64_t rows = 1000;
  int sub_windows = 10;
};

struct TensorDrift {
  std::string name;
  TensorRole role = TensorRole::kInput;
  double psi = 0;    // inputs: the worst feature's; outputs: the distribution's
  int64_t rows = 0;  // rows of this tensor in the window
};

class DriftWindow {
 public:
  DriftWindow(std::shared_ptr<const Profile> profile, DriftWindowOptions options);

  // Counts the rows of `tensor` (first dimension = rows) if the profile has the tensor and
  // its rows have the profile's element count; otherwise does nothing.
  void Observe(TensorRole role, const std::string& name, const engine::Tensor& tensor);

  // The PSI of every profiled tensor, in profile order.
  std::vector<TensorDrift> Drift() const;

  // The most rows any tensor has in the window.
  int64_t rows() const;

  const Profile& profile() const { return *profile_; }

 private:
  struct SubWindow {
    int64_t rows = 0;
    std::vector<std::vector<int64_t>> counts;  // [histogram][bin]
  };
  struct TensorWindow {
    const TensorProfile* profile;
    std::vector<SubWindow> ring;
    size_t current = 0;
  };
  SubWindow EmptySubWindow(const TensorProfile& t) const;

  std::shared_ptr<const Profile> profile_;
  int64_t rows_per_sub_;
  std::vector<TensorWindow> tensors_;
};

}  // namespace berth::quality

#endif  // BERTH_QUALITY_DRIFT_WINDOW_H_
