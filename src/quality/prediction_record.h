// Feedback's two halves: the record of recent predictions that labels join (request id ->
// version and top-1 class or predicted value; never whole tensors), and the rolling live
// accuracy of a version over its last labelled predictions.
//
// Not thread-safe: the caller holds a lock.
#ifndef BERTH_QUALITY_PREDICTION_RECORD_H_
#define BERTH_QUALITY_PREDICTION_RECORD_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace berth::quality {

struct Prediction {
  int64_t version = 0;
  bool classification = false;  // value is a class index, else a regression value
  double value = 0;
};

// The last `capacity` predictions by request id; recording an id again replaces its
// prediction; the oldest is evicted once full. Memory is O(capacity).
class PredictionRecord {
 public:
  explicit PredictionRecord(int64_t capacity);

  void Add(const std::string& id, const Prediction& prediction);
  // Removes and returns the prediction of `id` (a label joins it once); nullopt when the id
  // was never recorded, was evicted, or was already taken.
  std::optional<Prediction> Take(const std::string& id);
  int64_t size() const { return static_cast<int64_t>(by_id_.size()); }

 private:
  struct Entry {
    Prediction prediction;
    uint64_t sequence;
  };
  void Compact();

  int64_t capacity_;
  uint64_t next_sequence_ = 0;
  std::unordered_map<std::string, Entry> by_id_;
  std::deque<std::pair<std::string, uint64_t>> order_;  // oldest first; may hold stale ids
};

// The last `window` labelled outcomes of one version: top-1 agreement for classification,
// absolute error for regression.
class LiveAccuracy {
 public:
  explicit LiveAccuracy(int64_t window);

  void AddClassification(bool correct);
  void AddRegression(double absolute_error);

  int64_t labelled() const { return static_cast<int64_t>(outcomes_.size()); }
  // Over the classification outcomes in the window; nullopt when there are none.
  std::optional<double> accuracy() const;
  // Over the regression outcomes in the window; nullopt when there are none.
  std::optional<double> mean_absolute_error() const;

 private:
  struct Outcome {
    bool classification;
    double value;  // 1/0 for correct/wrong, or the absolute error
  };
  void Add(Outcome outcome);

  int64_t window_;
  std::deque<Outcome> outcomes_;
  // Running sums over outcomes_, kept exact by recomputing when the window rolls over.
  int64_t classified_ = 0;
  int64_t correct_ = 0;
  int64_t regressed_ = 0;
  double error_sum_ = 0;
};

}  // namespace berth::quality

#endif  // BERTH_QUALITY_PREDICTION_RECORD_H_
