// Helpers for kernel unit tests: build tensors and nodes, run one node, compare results.
#ifndef BERTH_ENGINE_KERNELS_TESTING_KERNEL_TEST_UTIL_H_
#define BERTH_ENGINE_KERNELS_TESTING_KERNEL_TEST_UTIL_H_

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/graph/graph.h"
#include "engine/kernels/registry.h"
#include "engine/kernels/standalone_context.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {

template <typename T>
Tensor MakeTensor(Shape shape, const std::vector<T>& values) {
  Tensor t(DataTypeOf<T>::value, shape);
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.num_elements());
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(t.num_elements()); ++i) {
    if constexpr (std::is_same_v<T, std::string>) {
      t.strings()[i] = values[i];
    } else {
      t.template data<T>()[i] = values[i];
    }
  }
  return t;
}

inline Attribute IntAttr(int64_t v) {
  Attribute a;
  a.type = Attribute::Type::kInt;
  a.i = v;
  return a;
}
inline Attribute FloatAttr(float v) {
  Attribute a;
  a.type = Attribute::Type::kFloat;
  a.f = v;
  return a;
}
inline Attribute IntsAttr(std::vector<int64_t> v) {
  Attribute a;
  a.type = Attribute::Type::kInts;
  a.ints = std::move(v);
  return a;
}
inline Attribute StringAttr(std::string v) {
  Attribute a;
  a.type = Attribute::Type::kString;
  a.s = std::move(v);
  return a;
}

// A node with inputs named in0.., outputs out0.. (num_outputs of them).
inline Node MakeNode(const std::string& op_type, int num_inputs, int num_outputs = 1,
                     std::map<std::string, Attribute> attributes = {}) {
  Node node;
  node.name = "test_" + op_type;
  node.op_type = op_type;
  for (int i = 0; i < num_inputs; ++i) node.inputs.push_back("in" + std::to_string(i));
  for (int i = 0; i < num_outputs; ++i) node.outputs.push_back("out" + std::to_string(i));
  node.attributes = std::move(attributes);
  return node;
}

// Runs `node` at `opset` with the global registry. Inputs are passed as runtime values (not
// constants) unless `as_constants`.
absl::StatusOr<std::vector<Tensor>> RunNode(const Node& node, int opset,
                                            const std::vector<const Tensor*>& inputs,
                                            bool as_constants = false);

// Expects same type and shape and every element within atol + rtol * |expected|.
void ExpectTensorNear(const Tensor& actual, const Tensor& expected, double atol = 1e-5,
                      double rtol = 1e-5);

}  // namespace berth::engine::testing

#endif  // BERTH_ENGINE_KERNELS_TESTING_KERNEL_TEST_UTIL_H_
