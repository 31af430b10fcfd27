// The body of POST /v2/models/NAME/feedback (berth's extension; the Open Inference Protocol
// has no such call, so gRPC does not offer it) and of its answer.
//
//   request: {"id": "REQUEST_ID", "label": 2}      a class index (a non-negative integer)
//            {"id": "REQUEST_ID", "label": 3.75}   a regression target (any finite number)
//   answer:  {"model": "m", "model_version": "3", "id": "...", "task": "classification",
//             "predicted": 2, "label": 2, "correct": true}
//            {"model": "m", "model_version": "3", "id": "...", "task": "regression",
//             "predicted": 3.5, "label": 3.75, "absolute_error": 0.25}
#ifndef BERTH_PROTOCOL_FEEDBACK_JSON_H_
#define BERTH_PROTOCOL_FEEDBACK_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace berth::protocol {

inline constexpr size_t kMaxFeedbackBodyBytes = 4096;
inline constexpr size_t kMaxFeedbackIdBytes = 1024;

struct FeedbackRequest {
  std::string id;
  double label = 0;
  bool label_is_integer = false;  // the JSON number had no fraction or exponent
};

struct FeedbackReply {
  std::string model;
  int64_t version = 0;
  std::string id;
  bool classification = false;
  double predicted = 0;  // the class index, or the predicted value
  double label = 0;
  bool correct = false;       // classification
  double absolute_error = 0;  // regression
};

// InvalidArgument naming what is wrong: a body over kMaxFeedbackBodyBytes, not a JSON
// object, an unknown member, a missing or empty "id" (or one over kMaxFeedbackIdBytes), a
// "label" that is not a finite number.
absl::StatusOr<FeedbackRequest> ParseFeedbackJson(absl::string_view body);

std::string FeedbackReplyJson(const FeedbackReply& reply);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_FEEDBACK_JSON_H_
