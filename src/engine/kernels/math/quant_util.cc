#include "engine/kernels/math/quant_util.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine {

float ElementAsFloat(const Tensor& t, int64_t i) {
  float v = 0.0f;
  VisitNumericType(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    v = static_cast<float>(t.data<T>()[i]);
  });
  return v;
}

int32_t ElementAsInt32(const Tensor& t, int64_t i) {
  int32_t v = 0;
  VisitNumericType(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      v = static_cast<int32_t>(t.data<T>()[i]);
    } else {
      v = static_cast<int32_t>(static_cast<float>(t.data<T>()[i]));
    }
  });
  return v;
}

absl::StatusOr<QuantParamLayout> MakeQuantParamLayout(absl::string_view label,
                                                      absl::Span<const int64_t> x_shape,
                                                      const Tensor& scale, const Tensor* zero_point,
                                                      int64_t axis, int64_t block_size) {
  if (zero_point != nullptr && zero_point->shape() != scale.shape()) {
    return NodeError(label,
                     absl::StrCat("zero point shape ", ShapeToString(zero_point->shape()),
                                  " differs from scale shape ", ShapeToString(scale.shape())));
  }
  QuantParamLayout layout;
  const int rank = static_cast<int>(x_shape.size());
  if (block_size == 0 && scale.num_elements() == 1 && scale.rank() <= 1) {
    layout.outer = NumElementsOf(x_shape);
    return layout;  // per tensor: every stride 0
  }
  if (block_size < 0) return NodeError(label, "block_size must not be negative");
  ASSIGN_OR_RETURN(int a, NormalizeAxis(label, axis, rank));
  layout.outer = DimProduct(x_shape, 0, a);
  layout.d = x_shape[a];
  layout.inner = DimProduct(x_shape, a + 1, rank);
  if (block_size == 0) {
    if (scale.rank() != 1 || scale.dim(0) != layout.d) {
      return NodeError(label, absl::StrCat("per-axis scale must be 1-D of ", layout.d,
                                           " elements, got ", ShapeToString(scale.shape())));
    }
    layout.d_stride = 1;
    return layout;
  }
  const int64_t blocks = (layout.d + block_size - 1) / block_size;
  bool ok = scale.rank() == rank;
  for (int i = 0; ok && i < rank; ++i) ok = scale.dim(i) == (i == a ? blocks : x_shape[i]);
  if (!ok) {
    return NodeError(label, absl::StrCat("blocked scale of shape ", ShapeToString(scale.shape()),
                                         " does not fit input ", ShapeToString(x_shape),
                                         " with block_size ", block_size));
  }
  layout.block = block_size;
  layout.outer_stride = blocks * layout.inner;
  layout.d_stride = layout.inner;
  layout.inner_stride = 1;
  return layout;
}

const char* UnsupportedQuantTypeName(int64_t onnx_type) {
  switch (onnx_type) {
    case 17: return "float8e4m3fn";
    case 18: return "float8e4m3fnuz";
    case 19: return "float8e5m2";
    case 20: return "float8e5m2fnuz";
    case 21: return "uint4";
    case 22: return "int4";
    case 23: return "float4e2m1";
    default: return "";
  }
}

}  // namespace berth::engine
