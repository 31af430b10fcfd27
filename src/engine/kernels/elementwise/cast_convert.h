// Element conversions of ONNX Cast: between numeric types (bool included) and between numbers
// and strings. Used by Cast and CastLike, and by kernels that read an input in another type.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_CAST_CONVERT_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_CAST_CONVERT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/core/data_type.h"

namespace berth::engine {

// Converts n elements from `src` (type `from`) to `dst` (type `to`) with ConvertValue's rules
// (numeric.h): float to integer truncates, integers wrap, anything to bool is `!= 0`, 16-bit
// floats round to nearest even. Splits large conversions across threads. Returns false, doing
// nothing, when either type is not numeric or bool.
bool ConvertNumeric(DataType from, const void* src, DataType to, void* dst, int64_t n);

// float to bfloat16 by dropping the low 16 bits (NaN stays a quiet NaN): the conversion of
// ONNX's Cast before opset 19, as its reference and test data of that time did.
void FloatToBFloat16Truncating(const float* src, BFloat16* dst, int64_t n);

// Prints n numbers as numpy's str() does: the shortest digits that read back to the same
// value, positional for 1e-4 <= |x| < 1e16 ("0.5", "100.0"), scientific otherwise ("1e-05"),
// "nan", "inf", "-inf"; integers in decimal; bool as "True"/"False". False if `from` is not a
// numeric or bool type.
bool NumbersToStrings(DataType from, const void* src, std::string* dst, int64_t n);

// Parses n strings into `to`: decimal or scientific numbers with optional sign and surrounding
// spaces, "nan", "inf"/"infinity" in any case; integers also from a decimal with a fraction
// (truncated); bool also from "true"/"false". Fails with InvalidArgument prefixed by `label`
// and naming the first string that does not parse.
absl::Status StringsToNumbers(const std::string& label, const std::string* src, DataType to,
                              void* dst, int64_t n);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_CAST_CONVERT_H_
