#include "engine/kernels/sequence/sequence_test_util.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "dnnl.hpp"
#include "engine/kernels/dnnl_util.h"
#include "engine/kernels/registry.h"
#include "engine/kernels/testing/kernel_test_util.h"
#include "gtest/gtest.h"

namespace berth::engine::testing {
namespace {

bool Contains(const std::vector<int>& list, int value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A KernelContext over SeqArg inputs that owns its tensor and sequence outputs.
class SequenceTestContext : public KernelContext {
 public:
  SequenceTestContext(const std::vector<SeqArg>& inputs, std::vector<DataType> output_types,
                      std::vector<bool> output_is_sequence)
      : inputs_(inputs),
        output_types_(std::move(output_types)),
        output_is_sequence_(std::move(output_is_sequence)) {
    result_.tensors.resize(output_types_.size());
    result_.sequences.resize(output_types_.size());
  }

  int num_inputs() const override { return static_cast<int>(inputs_.size()); }
  const Tensor* input(int i) const override {
    return i >= 0 && i < num_inputs() ? inputs_[i].tensor : nullptr;
  }
  int num_outputs() const override { return static_cast<int>(output_types_.size()); }
  absl::StatusOr<Tensor*> Output(int i, absl::Span<const int64_t> shape) override {
    if (i < 0 || i >= num_outputs()) return absl::InternalError("no such output");
    return OutputWithType(i, output_types_[i], shape);
  }
  absl::StatusOr<Tensor*> OutputWithType(int i, DataType dtype,
                                         absl::Span<const int64_t> shape) override {
    if (i < 0 || i >= num_outputs() || output_is_sequence_[i]) {
      return absl::InternalError(absl::StrCat("output ", i, " is not a tensor"));
    }
    RETURN_IF_ERROR(result_.tensors[i].Reshape(dtype, shape));
    return &result_.tensors[i];
  }
  bool output_wanted(int i) const override { return i >= 0 && i < num_outputs(); }
  absl::StatusOr<const TensorSequence*> InputSequence(int i) const override {
    if (i < 0 || i >= num_inputs() || inputs_[i].sequence == nullptr) {
      return absl::InternalError(absl::StrCat("input ", i, " is not a sequence"));
    }
    return inputs_[i].sequence;
  }
  absl::StatusOr<TensorSequence*> OutputSequence(int i) override {
    if (i < 0 || i >= num_outputs() || !output_is_sequence_[i]) {
      return absl::InternalError(absl::StrCat("output ", i, " is not a sequence"));
    }
    result_.sequences[i].Reset(output_types_[i]);
    return &result_.sequences[i];
  }
  void* Scratch(size_t bytes) override {
    if (scratch_.byte_size() < bytes &&
        !scratch_.Reshape(DataType::kUint8, {static_cast<int64_t>(bytes)}).ok()) {
      return nullptr;
    }
    return scratch_.raw_data();
  }
  dnnl::engine& dnnl_engine() override { return CpuEngine(); }
  dnnl::stream& dnnl_stream() override {
    if (!stream_) stream_ = std::make_unique<dnnl::stream>(CpuEngine());
    return *stream_;
  }
  int intra_op_threads() const override { return 1; }

  SeqResult& result() { return result_; }

 private:
  const std::vector<SeqArg>& inputs_;
  std::vector<DataType> output_types_;
  std::vector<bool> output_is_sequence_;
  SeqResult result_;
  Tensor scratch_;
  std::unique_ptr<dnnl::stream> stream_;
};

}  // namespace

absl::StatusOr<SeqResult> RunSequenceNode(const Node& node, int opset,
                                          const std::vector<SeqArg>& inputs) {
  std::vector<DataType> types;
  for (const SeqArg& arg : inputs) {
    types.push_back(arg.tensor     ? arg.tensor->dtype()
                    : arg.sequence ? arg.sequence->dtype()
                                   : DataType::kUndefined);
  }
  ASSIGN_OR_RETURN(const KernelDef* def,
                   GlobalKernelRegistry().Find(node.domain, node.op_type, opset, types));
  for (size_t i = 0; i < inputs.size(); ++i) {
    bool wants_sequence = Contains(def->sequence_inputs, static_cast<int>(i));
    if (inputs[i].sequence != nullptr && !wants_sequence) {
      return absl::InvalidArgumentError(absl::StrCat("input ", i, " is a sequence, which ",
                                                     node.op_type, " does not accept"));
    }
    if (inputs[i].sequence == nullptr && wants_sequence) {
      return absl::InvalidArgumentError(absl::StrCat("input ", i, " must be a sequence"));
    }
  }
  KernelInfo info(node, opset, types, std::vector<const Tensor*>(inputs.size(), nullptr));
  ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, def->factory(info));
  std::vector<bool> output_is_sequence;
  for (int i = 0; i < info.num_outputs(); ++i) {
    output_is_sequence.push_back(Contains(def->sequence_outputs, i));
  }
  SequenceTestContext ctx(inputs, info.output_types(), std::move(output_is_sequence));
  RETURN_IF_ERROR(kernel->Compute(ctx));
  return std::move(ctx.result());
}

TensorSequence MakeSequence(DataType dtype, const std::vector<const Tensor*>& tensors) {
  TensorSequence sequence(dtype);
  for (const Tensor* t : tensors) EXPECT_TRUE(sequence.AppendCopy(*t).ok());
  return sequence;
}

void ExpectSequenceEq(const TensorSequence& actual, DataType dtype,
                      const std::vector<const Tensor*>& expected) {
  EXPECT_EQ(actual.dtype(), dtype) << DataTypeName(actual.dtype());
  ASSERT_EQ(actual.size(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("sequence element ", i));
    ExpectTensorNear(actual.at(static_cast<int64_t>(i)), *expected[i], 0, 0);
  }
}

void ExpectInvalidArgument(const absl::Status& status, const std::vector<std::string>& pieces) {
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  for (const std::string& piece : pieces) {
    EXPECT_NE(status.message().find(piece), std::string::npos)
        << "'" << piece << "' is not in: " << status.message();
  }
}

}  // namespace berth::engine::testing
