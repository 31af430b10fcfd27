#include "engine/core/tensor_sequence.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::engine {
namespace {

// Copies the elements of `src` into `dst`, which already has src's type and shape.
void CopyElements(const Tensor& src, Tensor& dst) {
  if (src.dtype() == DataType::kString) {
    dst.strings() = src.strings();
  } else if (src.byte_size() > 0) {
    std::memcpy(dst.raw_data(), src.raw_data(), src.byte_size());
  }
}

}  // namespace

void TensorSequence::Reset(DataType dtype) {
  dtype_ = dtype;
  size_ = 0;
}

absl::StatusOr<Tensor*> TensorSequence::Append(DataType dtype, absl::Span<const int64_t> shape) {
  if (dtype_ != DataType::kUndefined && dtype != dtype_) {
    return absl::InvalidArgumentError(absl::StrCat("a tensor of type ", DataTypeName(dtype),
                                                   " cannot join a sequence of ",
                                                   DataTypeName(dtype_), " tensors"));
  }
  if (static_cast<size_t>(size_) == elements_.size()) elements_.emplace_back();
  Tensor& element = elements_[static_cast<size_t>(size_)];
  RETURN_IF_ERROR(element.Reshape(dtype, shape));
  dtype_ = dtype;
  ++size_;
  return &element;
}

absl::Status TensorSequence::AppendCopy(const Tensor& tensor) {
  ASSIGN_OR_RETURN(Tensor * element, Append(tensor.dtype(), tensor.shape()));
  CopyElements(tensor, *element);
  return absl::OkStatus();
}

absl::Status CopyTensor(const Tensor& src, Tensor& dst) {
  RETURN_IF_ERROR(dst.Reshape(src.dtype(), src.shape()));
  CopyElements(src, dst);
  return absl::OkStatus();
}

}  // namespace berth::engine
