// NonMaxSuppression (opsets 10-21): per batch and class, greedily keeps the highest-scoring
// boxes (ties: lower box index first) that overlap no kept box by more than iou_threshold,
// up to max_output_boxes_per_class. Output: int64 [selected, 3] rows of
// (batch, class, box). Boxes are [y1, x1, y2, x2] (corners in either order) or, with
// center_point_box 1, [x_center, y_center, width, height]. Scores that are NaN never win.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/indexing/indexing_kernels.h"
#include "engine/kernels/indexing/indexing_util.h"

namespace berth::engine {
namespace {

using indexing::NodeLabel;

struct Corners {
  float x_min, y_min, x_max, y_max, area;
};

struct Candidate {
  float score;
  int64_t box;
};

Corners ToCorners(const float* b, bool center_point) {
  Corners c;
  if (center_point) {
    c.x_min = b[0] - b[2] / 2;
    c.x_max = b[0] + b[2] / 2;
    c.y_min = b[1] - b[3] / 2;
    c.y_max = b[1] + b[3] / 2;
  } else {
    c.y_min = std::min(b[0], b[2]);
    c.y_max = std::max(b[0], b[2]);
    c.x_min = std::min(b[1], b[3]);
    c.x_max = std::max(b[1], b[3]);
  }
  c.area = (c.x_max - c.x_min) * (c.y_max - c.y_min);
  return c;
}

bool Overlaps(const Corners& a, const Corners& b, float iou_threshold) {
  float ix = std::min(a.x_max, b.x_max) - std::max(a.x_min, b.x_min);
  float iy = std::min(a.y_max, b.y_max) - std::max(a.y_min, b.y_min);
  if (!(ix > 0) || !(iy > 0)) return false;
  float intersection = ix * iy;
  float union_area = a.area + b.area - intersection;
  if (!(a.area > 0) || !(b.area > 0) || !(union_area > 0)) return false;
  return intersection / union_area > iou_threshold;
}

class NonMaxSuppressionKernel final : public Kernel {
 public:
  NonMaxSuppressionKernel(NodeLabel label, bool center_point)
      : label_(std::move(label)), center_point_(center_point) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* boxes = ctx.input(0);
    const Tensor* scores = ctx.input(1);
    if (boxes == nullptr || scores == nullptr) {
      return label_.Error("needs inputs boxes and scores");
    }
    if (boxes->dtype() != DataType::kFloat || scores->dtype() != DataType::kFloat) {
      return label_.Error("boxes and scores must be float");
    }
    if (boxes->rank() != 3 || boxes->dim(2) != 4 || scores->rank() != 3 ||
        boxes->dim(0) != scores->dim(0) || boxes->dim(1) != scores->dim(2)) {
      return label_.Error(absl::StrCat("boxes ", ShapeToString(boxes->shape()),
                                       " must be [batch, boxes, 4] and scores ",
                                       ShapeToString(scores->shape()),
                                       " [batch, classes, boxes]"));
    }
    int64_t max_per_class = 0;
    float iou_threshold = 0;
    float score_threshold = 0;
    bool filter_scores = false;
    RETURN_IF_ERROR(ReadLimits(ctx, &max_per_class, &iou_threshold, &score_threshold,
                               &filter_scores));

    const int64_t batches = boxes->dim(0);
    const int64_t num_boxes = boxes->dim(1);
    const int64_t classes = scores->dim(1);
    const int64_t keep = std::min(max_per_class, num_boxes);
    const size_t corners_bytes = (num_boxes * sizeof(Corners) + 63) / 64 * 64;
    const size_t candidates_bytes = (num_boxes * sizeof(Candidate) + 63) / 64 * 64;
    const size_t kept_bytes = (keep * sizeof(int64_t) + 63) / 64 * 64;
    const size_t rows_bytes = batches * classes * keep * 3 * sizeof(int64_t);
    char* scratch = static_cast<char*>(
        ctx.Scratch(corners_bytes + candidates_bytes + kept_bytes + rows_bytes + 64));
    if (scratch == nullptr) return absl::ResourceExhaustedError(label_.text() + ": out of memory");
    auto* corners = reinterpret_cast<Corners*>(scratch);
    auto* candidates = reinterpret_cast<Candidate*>(scratch + corners_bytes);
    auto* kept = reinterpret_cast<int64_t*>(scratch + corners_bytes + candidates_bytes);
    auto* rows = reinterpret_cast<int64_t*>(scratch + corners_bytes + candidates_bytes +
                                            kept_bytes);

    int64_t selected = 0;
    for (int64_t b = 0; b < batches && keep > 0; ++b) {
      const float* box_data = boxes->data<float>() + b * num_boxes * 4;
      for (int64_t i = 0; i < num_boxes; ++i) {
        corners[i] = ToCorners(box_data + i * 4, center_point_);
      }
      for (int64_t c = 0; c < classes; ++c) {
        const float* class_scores = scores->data<float>() + (b * classes + c) * num_boxes;
        int64_t count = 0;
        for (int64_t i = 0; i < num_boxes; ++i) {
          float s = class_scores[i];
          if (std::isnan(s) || (filter_scores && !(s > score_threshold))) continue;
          candidates[count++] = {s, i};
        }
        std::sort(candidates, candidates + count, [](const Candidate& a, const Candidate& b) {
          return a.score > b.score || (a.score == b.score && a.box < b.box);
        });
        int64_t kept_count = 0;
        for (int64_t i = 0; i < count && kept_count < keep; ++i) {
          const Corners& candidate = corners[candidates[i].box];
          bool suppressed = false;
          for (int64_t k = 0; k < kept_count && !suppressed; ++k) {
            suppressed = Overlaps(candidate, corners[kept[k]], iou_threshold);
          }
          if (suppressed) continue;
          kept[kept_count++] = candidates[i].box;
          rows[selected * 3] = b;
          rows[selected * 3 + 1] = c;
          rows[selected * 3 + 2] = candidates[i].box;
          ++selected;
        }
      }
    }
    ASSIGN_OR_RETURN(Tensor* out, ctx.Output(0, {selected, 3}));
    if (selected > 0) std::memcpy(out->data<int64_t>(), rows, selected * 3 * sizeof(int64_t));
    return absl::OkStatus();
  }

 private:
  absl::Status ReadLimits(KernelContext& ctx, int64_t* max_per_class, float* iou_threshold,
                          float* score_threshold, bool* filter_scores) const {
    const Tensor* max_tensor = ctx.input(2);
    if (max_tensor != nullptr && max_tensor->num_elements() > 0) {
      if (max_tensor->dtype() != DataType::kInt64) {
        return label_.Error("max_output_boxes_per_class must be int64");
      }
      *max_per_class = std::max<int64_t>(max_tensor->data<int64_t>()[0], 0);
    }
    const Tensor* iou = ctx.input(3);
    if (iou != nullptr && iou->num_elements() > 0) {
      ASSIGN_OR_RETURN(double v, indexing::ScalarValue(label_, "iou_threshold", *iou));
      if (!(v >= 0 && v <= 1)) {
        return label_.Error(absl::StrCat("iou_threshold ", v, " must be in [0, 1]"));
      }
      *iou_threshold = static_cast<float>(v);
    }
    const Tensor* score = ctx.input(4);
    if (score != nullptr && score->num_elements() > 0) {
      ASSIGN_OR_RETURN(double v, indexing::ScalarValue(label_, "score_threshold", *score));
      *score_threshold = static_cast<float>(v);
      *filter_scores = true;
    }
    return absl::OkStatus();
  }

  NodeLabel label_;
  bool center_point_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateNonMaxSuppression(KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t center_point_box, info.IntOr("center_point_box", 0));
  if (center_point_box != 0 && center_point_box != 1) {
    return info.Error(absl::StrCat("center_point_box must be 0 or 1, not ", center_point_box));
  }
  if (info.num_outputs() >= 1) info.output_types()[0] = DataType::kInt64;
  return std::make_unique<NonMaxSuppressionKernel>(NodeLabel(info), center_point_box == 1);
}

}  // namespace

absl::Status RegisterNonMaxSuppression(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "NonMaxSuppression",
                            .since_version = 10,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kFloat},
                            .factory = CreateNonMaxSuppression});
}

}  // namespace berth::engine
