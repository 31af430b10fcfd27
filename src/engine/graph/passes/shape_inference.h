// Static shape and type inference for the fusion passes.
//
// The fusions must prove facts such as "the residual has the same shape as the convolution's
// output" before they fire. ShapeInfo derives shapes from what is certain: the graph inputs'
// declared shapes (the runtime refuses inputs that contradict them), the initializers, and a
// rule per common operator. The file's value_info is not used: a wrong declaration must not
// lead a pass to change what the model computes.
//
// A dimension is fixed (value >= 0) or a symbol. Symbols from the graph inputs keep their
// names; every other unknown dimension gets a fresh symbol, so "unknown but the same" (the
// output of Relu has its input's dims) stays comparable, while two unrelated unknowns never
// compare equal. A value whose rank is unknown has no shape at all.
//
// Small int64 tensors computed from shapes (Shape -> Gather -> Unsqueeze -> Concat, as torch
// exports `x.reshape(b, s, -1)`) are tracked element by element, so the Reshape they feed
// gets a shape too.
#ifndef BERTH_ENGINE_GRAPH_PASSES_SHAPE_INFERENCE_H_
#define BERTH_ENGINE_GRAPH_PASSES_SHAPE_INFERENCE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/data_type.h"
#include "engine/graph/graph.h"

namespace berth::engine {

using DimList = std::vector<Dim>;

class ShapeInfo {
 public:
  // Infers shapes and types of every value of `graph` (nodes in topological order). Never
  // fails: what cannot be inferred is left unknown.
  static ShapeInfo Infer(const Graph& graph);

  // The value's dims, or null when its rank is unknown.
  const DimList* Shape(const std::string& value) const;
  // The value's rank, or -1.
  int Rank(const std::string& value) const;
  // The value's element type, kUndefined when unknown.
  DataType Type(const std::string& value) const;

  // True when both shapes are known and equal dim by dim (fixed and equal, or the same
  // symbol).
  bool SameShape(const std::string& a, const std::string& b) const;
  // True when `operand`'s shape is known to broadcast unidirectionally to `target`'s: rank
  // not larger, and each trailing-aligned dim is fixed 1 or equal to the target's.
  bool BroadcastsTo(const std::string& operand, const std::string& target) const;
  static bool BroadcastsTo(const DimList& operand, const DimList& target);
  static bool SameDim(const Dim& a, const Dim& b);

 private:
  struct Info {
    std::optional<DimList> dims;
    DataType dtype = DataType::kUndefined;
  };
  class Builder;
  std::map<std::string, Info> values_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_GRAPH_PASSES_SHAPE_INFERENCE_H_
