#include "engine/kernels/testing/kernel_test_util.h"

namespace berth::engine::testing {

absl::StatusOr<std::vector<Tensor>> RunNode(const Node& node, int opset,
                                            const std::vector<const Tensor*>& inputs,
                                            bool as_constants) {
  return RunNodeOnce(GlobalKernelRegistry(), node, opset, inputs, as_constants);
}

void ExpectTensorNear(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
  ASSERT_EQ(actual.dtype(), expected.dtype())
      << DataTypeName(actual.dtype()) << " vs " << DataTypeName(expected.dtype());
  ASSERT_EQ(ShapeToString(actual.shape()), ShapeToString(expected.shape()));
  if (actual.dtype() == DataType::kString) {
    EXPECT_EQ(actual.strings(), expected.strings());
    return;
  }
  VisitNumericType(actual.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < actual.num_elements(); ++i) {
      double a = static_cast<double>(static_cast<float>(actual.data<T>()[i]));
      double e = static_cast<double>(static_cast<float>(expected.data<T>()[i]));
      if constexpr (std::is_same_v<T, double> || std::is_integral_v<T>) {
        a = static_cast<double>(actual.data<T>()[i]);
        e = static_cast<double>(expected.data<T>()[i]);
      }
      if (a == e) continue;  // also equal infinities, whose difference is NaN
      if (std::isnan(e)) {
        EXPECT_TRUE(std::isnan(a)) << "at " << i;
        continue;
      }
      EXPECT_LE(std::fabs(a - e), atol + rtol * std::fabs(e)) << "at element " << i << ": " << a
                                                              << " vs expected " << e;
    }
  });
}

}  // namespace berth::engine::testing
