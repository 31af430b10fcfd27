#include "quality/drift_window.h"

#include <algorithm>

namespace berth::quality {

DriftWindow::DriftWindow(std::shared_ptr<const Profile> profile, DriftWindowOptions options)
    : profile_(std::move(profile)) {
  const int subs = std::max(1, options.sub_windows);
  const int64_t rows = std::max<int64_t>(options.rows, subs);
  rows_per_sub_ = (rows + subs - 1) / subs;
  for (const TensorProfile& t : profile_->tensors) {
    tensors_.push_back({&t, std::vector<SubWindow>(subs, EmptySubWindow(t)), 0});
  }
}

DriftWindow::SubWindow DriftWindow::EmptySubWindow(const TensorProfile& t) const {
  SubWindow s;
  for (const Histogram& h : t.histograms) s.counts.emplace_back(h.shares.size(), 0);
  return s;
}

void DriftWindow::Observe(TensorRole role, const std::string& name, const engine::Tensor& tensor) {
  auto it = std::find_if(tensors_.begin(), tensors_.end(), [&](const TensorWindow& w) {
    return w.profile->role == role && w.profile->name == name;
  });
  if (it == tensors_.end() || tensor.rank() == 0) return;
  TensorWindow& w = *it;
  const TensorProfile& p = *w.profile;
  const int64_t rows = tensor.dim(0);
  if (rows == 0 || tensor.num_elements() != rows * p.row_elements) return;
  for (int64_t r = 0; r < rows; ++r) {
    if (w.ring[w.current].rows >= rows_per_sub_) {
      w.current = (w.current + 1) % w.ring.size();
      SubWindow& oldest = w.ring[w.current];
      oldest.rows = 0;
      for (std::vector<int64_t>& c : oldest.counts) std::fill(c.begin(), c.end(), 0);
    }
    SubWindow& s = w.ring[w.current];
    ForEachRowValue(p.kind, tensor, r, p.row_elements,
                    [&](int64_t h, double v) { ++s.counts[h][p.histograms[h].Bin(v)]; });
    ++s.rows;
  }
}

std::vector<TensorDrift> DriftWindow::Drift() const {
  std::vector<TensorDrift> out;
  for (const TensorWindow& w : tensors_) {
    TensorDrift d{w.profile->name, w.profile->role, 0, 0};
    for (const SubWindow& s : w.ring) d.rows += s.rows;
    for (size_t h = 0; h < w.profile->histograms.size(); ++h) {
      std::vector<int64_t> counts(w.profile->histograms[h].shares.size(), 0);
      for (const SubWindow& s : w.ring) {
        for (size_t b = 0; b < counts.size(); ++b) counts[b] += s.counts[h][b];
      }
      d.psi = std::max(d.psi, Psi(w.profile->histograms[h], counts));
    }
    out.push_back(std::move(d));
  }
  return out;
}

int64_t DriftWindow::rows() const {
  int64_t most = 0;
  for (const TensorWindow& w : tensors_) {
    int64_t rows = 0;
    for (const SubWindow& s : w.ring) rows += s.rows;
    most = std::max(most, rows);
  }
  return most;
}

}  // namespace berth::quality
