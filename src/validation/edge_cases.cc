#include "validation/edge_cases.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "validation/tensors.h"

namespace berth::validation {
namespace {

using engine::DataType;
using engine::Tensor;
using engine::ValueInfo;

enum class Fill { kZeros, kOnes, kHuge, kTiny, kNan, kInf, kRandom };

bool IsHalf(DataType t) { return t == DataType::kFloat16 || t == DataType::kBFloat16; }

double HugeFor(DataType t) {
  if (t == DataType::kFloat16) return 32752.0;  // 65504 / 2, rounded to a float16
  if (IsHalf(t)) return 1e30;                   // bfloat16 has float's range
  if (IsFloatingType(t)) return 1e30;
  if (t == DataType::kBool) return 1;
  if (t == DataType::kInt8) return 63;
  if (t == DataType::kUint8) return 127;
  if (t == DataType::kInt16 || t == DataType::kUint16) return 16383;
  return 1 << 30;
}

double TinyFor(DataType t) { return t == DataType::kFloat16 ? 6.2e-5 : 1e-30; }

std::vector<double> Values(Fill fill, DataType t, int64_t n, std::mt19937_64& rng) {
  const bool floating = IsFloatingType(t);
  double v = 0;
  switch (fill) {
    case Fill::kZeros:
      break;
    case Fill::kOnes:
      v = 1;
      break;
    case Fill::kHuge:
      v = HugeFor(t);
      break;
    case Fill::kTiny:
      v = floating ? TinyFor(t) : 0;
      break;
    case Fill::kNan:
      v = floating ? std::numeric_limits<double>::quiet_NaN() : 0;
      break;
    case Fill::kInf:
      v = floating ? std::numeric_limits<double>::infinity() : 0;
      break;
    case Fill::kRandom: {
      std::vector<double> out(n);
      std::uniform_real_distribution<double> real(-1, 1);
      std::uniform_int_distribution<int> small(0, t == DataType::kBool ? 1 : 9);
      for (double& x : out) x = floating ? real(rng) : small(rng);
      return out;
    }
  }
  return std::vector<double>(n, v);
}

// The shape of `in` for `batch` rows; the rows bounded by kMaxCaseElements.
absl::StatusOr<engine::Shape> CaseShape(const ValueInfo& in, int64_t batch) {
  if (!in.has_shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", in.name, "' has no declared rank to make edge cases from"));
  }
  engine::Shape shape;
  for (size_t i = 0; i < in.dims.size(); ++i) {
    if (in.dims[i].is_fixed()) {
      shape.push_back(in.dims[i].value);
    } else {
      shape.push_back(i == 0 ? batch : kFreeDimSize);
    }
  }
  return shape;
}

int64_t RowElements(const engine::Shape& shape) {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= std::max<int64_t>(shape[i], 1);
  return n;
}

absl::StatusOr<EdgeCase> MakeCase(const std::string& name, Fill fill,
                                  const std::vector<ValueInfo>& inputs, int64_t batch,
                                  std::mt19937_64& rng) {
  EdgeCase c;
  c.name = name;
  c.finite = fill != Fill::kNan && fill != Fill::kInf;
  c.must_run = fill == Fill::kZeros || fill == Fill::kOnes || fill == Fill::kRandom;
  for (const ValueInfo& in : inputs) {
    if (!IsNumericType(in.dtype)) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", in.name, "' is ", engine::DataTypeName(in.dtype),
                       "; edge cases are made for numeric inputs only"));
    }
    ASSIGN_OR_RETURN(engine::Shape shape, CaseShape(in, batch));
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    ASSIGN_OR_RETURN(Tensor t, FromDoubles(in.dtype, shape, Values(fill, in.dtype, n, rng),
                                           absl::StrCat("input '", in.name, "'")));
    c.inputs.push_back(std::move(t));
  }
  return c;
}

bool SameBytes(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].dtype() != b[i].dtype() || a[i].shape() != b[i].shape()) return false;
    if (a[i].dtype() == DataType::kString) {
      if (a[i].strings() != b[i].strings()) return false;
    } else if (std::memcmp(a[i].raw_data(), b[i].raw_data(), a[i].byte_size()) != 0) {
      return false;
    }
  }
  return true;
}

// The first output holding a NaN or an infinity, with how many; empty when none.
std::string NonFinite(const engine::Model& model, const std::vector<Tensor>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!IsFloatingType(outputs[i].dtype())) continue;
    auto values = ToDoubles(outputs[i], "output");
    if (!values.ok()) continue;
    const int64_t bad =
        std::count_if(values->begin(), values->end(), [](double v) { return !std::isfinite(v); });
    if (bad > 0) {
      const std::string name = i < model.outputs().size() ? model.outputs()[i].name : "?";
      return absl::StrCat("output '", name, "' has ", bad, " of ", values->size(),
                          " values NaN or infinite on finite inputs");
    }
  }
  return "";
}

}  // namespace

absl::StatusOr<std::vector<EdgeCase>> MakeEdgeCases(const std::vector<ValueInfo>& inputs,
                                                    int64_t largest_batch, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int64_t fixed = 0;
  int64_t widest_row = 1;
  bool any_floating = false;
  for (const ValueInfo& in : inputs) {
    if (in.has_shape && !in.dims.empty() && in.dims[0].is_fixed()) fixed = in.dims[0].value;
    if (in.has_shape) {
      ASSIGN_OR_RETURN(engine::Shape shape, CaseShape(in, 1));
      widest_row = std::max(widest_row, RowElements(shape));
    }
    any_floating = any_floating || IsFloatingType(in.dtype);
  }
  const int64_t smallest = fixed > 0 ? fixed : 1;
  int64_t largest = fixed > 0 ? fixed : std::clamp<int64_t>(largest_batch, 1, kMaxLargestBatch);
  if (fixed == 0) largest = std::max<int64_t>(1, std::min(largest, kMaxCaseElements / widest_row));
  std::vector<std::pair<std::string, Fill>> fills = {
      {"zeros", Fill::kZeros}, {"ones", Fill::kOnes}, {"huge", Fill::kHuge}};
  if (any_floating) {
    fills.insert(fills.end(), {{"tiny", Fill::kTiny}, {"nan", Fill::kNan}, {"inf", Fill::kInf}});
  }
  fills.push_back({"random", Fill::kRandom});
  std::vector<EdgeCase> cases;
  for (const auto& [name, fill] : fills) {
    ASSIGN_OR_RETURN(EdgeCase c, MakeCase(name, fill, inputs, smallest, rng));
    cases.push_back(std::move(c));
  }
  for (const auto& [name, batch] :
       {std::pair<std::string, int64_t>{"batch_smallest", smallest}, {"batch_largest", largest}}) {
    ASSIGN_OR_RETURN(EdgeCase c, MakeCase(absl::StrCat(name, " (", batch, " rows)"), Fill::kRandom,
                                          inputs, batch, rng));
    cases.push_back(std::move(c));
  }
  return cases;
}

absl::StatusOr<std::vector<Tensor>> MakeRandomInputs(const std::vector<ValueInfo>& inputs,
                                                     int64_t batch, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ASSIGN_OR_RETURN(EdgeCase c, MakeCase("random", Fill::kRandom, inputs, batch, rng));
  return std::move(c.inputs);
}

const char* EdgeOutcomeName(EdgeOutcome outcome) {
  switch (outcome) {
    case EdgeOutcome::kOk:
      return "ok";
    case EdgeOutcome::kRefused:
      return "refused";
    case EdgeOutcome::kNonFinite:
      return "non_finite";
    case EdgeOutcome::kNondeterministic:
      return "nondeterministic";
    case EdgeOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

bool EdgeOutcomeFails(EdgeOutcome outcome) {
  return outcome != EdgeOutcome::kOk && outcome != EdgeOutcome::kRefused;
}

EdgeCaseResult RunEdgeCase(const engine::Model& model, const EdgeCase& c) {
  EdgeCaseResult r;
  r.name = c.name;
  std::vector<const Tensor*> pointers;
  for (const Tensor& t : c.inputs) pointers.push_back(&t);
  std::vector<Tensor> first;
  std::vector<Tensor> second;
  absl::Status ran = model.Run(pointers, &first);
  if (!ran.ok()) {
    r.outcome = c.must_run ? EdgeOutcome::kFailed : EdgeOutcome::kRefused;
    r.detail = absl::StrCat("the model refused it: ", ran.message());
    return r;
  }
  ran = model.Run(pointers, &second);
  if (!ran.ok()) {
    r.outcome = EdgeOutcome::kNondeterministic;
    r.detail = absl::StrCat("the first run passed, the second failed: ", ran.message());
    return r;
  }
  if (!SameBytes(first, second)) {
    r.outcome = EdgeOutcome::kNondeterministic;
    r.detail = "two runs on the same inputs gave different outputs";
    return r;
  }
  if (c.finite) {
    std::string bad = NonFinite(model, first);
    if (!bad.empty()) {
      r.outcome = EdgeOutcome::kNonFinite;
      r.detail = std::move(bad);
      return r;
    }
  }
  r.detail = "ran";
  return r;
}

}  // namespace berth::validation
