// Comparison of an engine output against ONNX's expected output, at ONNX's tolerances.
#ifndef BERTH_TESTS_CONFORMANCE_COMPARE_H_
#define BERTH_TESTS_CONFORMANCE_COMPARE_H_

#include <string>

#include "absl/status/status.h"
#include "engine/core/tensor.h"

namespace berth::conformance {

// ONNX's backend test defaults (onnx/backend/test/case/node/__init__.py).
struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// True if `actual` is close to `expected`: |actual - expected| <= atol + rtol * |expected|,
// with NaN equal to NaN and an infinity equal only to itself.
bool FloatsClose(double expected, double actual, const Tolerance& tolerance);

// OK if `actual` matches `expected`: same element type, same shape, and values equal
// (integers, bools, strings) or close (floating point, see FloatsClose). Otherwise a
// FailedPrecondition status that says what differs: the types, the shapes, or how many
// values differ, the first of them (index, actual, expected) and the largest difference.
absl::Status CompareTensors(const engine::Tensor& expected, const engine::Tensor& actual,
                            const Tolerance& tolerance = {});

}  // namespace berth::conformance

#endif  // BERTH_TESTS_CONFORMANCE_COMPARE_H_
