#include "quality/prediction_record.h"

#include <algorithm>

namespace berth::quality {

PredictionRecord::PredictionRecord(int64_t capacity) : capacity_(std::max<int64_t>(1, capacity)) {}

void PredictionRecord::Add(const std::string& id, const Prediction& prediction) {
  const uint64_t sequence = next_sequence_++;
  by_id_[id] = Entry{prediction, sequence};
  order_.emplace_back(id, sequence);
  while (static_cast<int64_t>(by_id_.size()) > capacity_ && !order_.empty()) {
    auto [oldest, seq] = order_.front();
    order_.pop_front();
    auto it = by_id_.find(oldest);
    if (it != by_id_.end() && it->second.sequence == seq) by_id_.erase(it);
  }
  if (static_cast<int64_t>(order_.size()) > 2 * capacity_) Compact();
}

void PredictionRecord::Compact() {
  std::deque<std::pair<std::string, uint64_t>> live;
  for (auto& [id, seq] : order_) {
    auto it = by_id_.find(id);
    if (it != by_id_.end() && it->second.sequence == seq) live.emplace_back(std::move(id), seq);
  }
  order_ = std::move(live);
}

std::optional<Prediction> PredictionRecord::Take(const std::string& id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  Prediction p = it->second.prediction;
  by_id_.erase(it);
  return p;
}

LiveAccuracy::LiveAccuracy(int64_t window) : window_(std::max<int64_t>(1, window)) {}

void LiveAccuracy::AddClassification(bool correct) { Add({true, correct ? 1.0 : 0.0}); }

void LiveAccuracy::AddRegression(double absolute_error) { Add({false, absolute_error}); }

void LiveAccuracy::Add(Outcome outcome) {
  outcomes_.push_back(outcome);
  if (static_cast<int64_t>(outcomes_.size()) > window_) outcomes_.pop_front();
  // Recounted from the window (at most `window_` outcomes): no drift from running sums.
  classified_ = correct_ = regressed_ = 0;
  error_sum_ = 0;
  for (const Outcome& o : outcomes_) {
    if (o.classification) {
      ++classified_;
      correct_ += o.value > 0.5 ? 1 : 0;
    } else {
      ++regressed_;
      error_sum_ += o.value;
    }
  }
}

std::optional<double> LiveAccuracy::accuracy() const {
  if (classified_ == 0) return std::nullopt;
  return static_cast<double>(correct_) / static_cast<double>(classified_);
}

std::optional<double> LiveAccuracy::mean_absolute_error() const {
  if (regressed_ == 0) return std::nullopt;
  return error_sum_ / static_cast<double>(regressed_);
}

}  // namespace berth::quality
