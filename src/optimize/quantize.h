// The quantizers: rewrite an onnx::ModelProto in place into one of the forms of contract C3
// (docs/OPTIMIZATION.md), standard ONNX operators only, as ONNX Runtime's quantization tools
// write them, so that ONNX Runtime runs the files berth writes and berth runs theirs.
//
//   ASSIGN_OR_RETURN(QuantizeReport report,
//                    QuantizeStatic(model, calibration_rows, CalibrationOptions{}));
#ifndef BERTH_OPTIMIZE_QUANTIZE_H_
#define BERTH_OPTIMIZE_QUANTIZE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/npz.h"
#include "onnx/onnx_pb.h"
#include "optimize/calibration.h"

namespace berth::optimize {

enum class QuantizeMethod { kInt8Dynamic, kInt8Static, kFloat16, kBFloat16 };

// "int8-dynamic", "int8-static", "fp16", "bf16".
std::string_view QuantizeMethodName(QuantizeMethod method);
// The inverse of QuantizeMethodName; InvalidArgument naming the text and the choices.
absl::StatusOr<QuantizeMethod> ParseQuantizeMethod(std::string_view name);

// What a quantizer did.
struct QuantizeReport {
  std::map<std::string, int64_t> nodes;  // op type -> nodes now computing on quantized data
  int64_t activations = 0;               // activation tensors given QuantizeLinear/Dequantize
  int64_t weights = 0;                   // weight initializers stored as int8 / 16-bit
  int64_t biases = 0;                    // bias initializers stored as int32
  int64_t biases_clamped = 0;            // int32 bias values that had to be clamped
  std::vector<std::string> skipped;      // nodes left as they were, each with the reason
};

// int8-static (QDQ): calibrates on `calibration` (CollectRanges), then quantizes Conv
// (weights of rank >= 3), MatMul and Gemm (transA = 0) whose weight is a float initializer
// of rank 2: their activation inputs and outputs get QuantizeLinear(uint8) ->
// DequantizeLinear, weights become int8 per output channel through DequantizeLinear (axis 0
// for Conv and Gemm transB = 1, axis 1 for MatMul and Gemm transB = 0), biases int32 at
// scale x_scale * w_scale[c]. A Relu (or a Clip with constant bounds) that is the only
// consumer of such an output is kept and quantized after it. MaxPool, Flatten and Reshape of a quantized tensor pass its scale
// on; GlobalAveragePool, AveragePool and Add of quantized tensors get their own. The model's
// outputs stay float. Needs opset 13 or later (per-axis DequantizeLinear): InvalidArgument
// otherwise, and for calibration data that does not fit (CollectRanges' errors).
absl::StatusOr<QuantizeReport> QuantizeStatic(onnx::ModelProto& model,
                                              const std::vector<dataset::NamedTensor>& calibration,
                                              const CalibrationOptions& options);

// int8-dynamic: every MatMul whose B is a float initializer of rank 2, and every Gemm with a
// float initializer B and transA = 0 (rewritten as MatMul then a float bias Add, with alpha
// and beta folded into the constants), becomes
//   DynamicQuantizeLinear(A) -> MatMulInteger(A_q, B_q:int8, A_zp, B_zp = 0) ->
//   Cast(to float) -> Mul(by the product A_scale * B_scale, computed by a Mul node)
// with B quantized symmetric per tensor (ONNX Runtime's default). Needs opset 11 or later.
absl::StatusOr<QuantizeReport> QuantizeDynamic(onnx::ModelProto& model);

// fp16 / bf16: every float initializer (that is not also a graph input) is stored as
// float16 / bfloat16 and read through Cast(to float); inputs, outputs and compute stay
// float32. Float16 cannot hold values beyond +-65504: an initializer with such a value stays
// float32 (listed in skipped). `method` must be kFloat16 or kBFloat16.
absl::StatusOr<QuantizeReport> ConvertWeightsToHalf(onnx::ModelProto& model, QuantizeMethod method);

}  // namespace berth::optimize

#endif  // BERTH_OPTIMIZE_QUANTIZE_H_
