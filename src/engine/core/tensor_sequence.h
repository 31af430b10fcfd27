// TensorSequence: the runtime value of an ONNX sequence of tensors (seq(tensor(T))).
#ifndef BERTH_ENGINE_CORE_TENSOR_SEQUENCE_H_
#define BERTH_ENGINE_CORE_TENSOR_SEQUENCE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/core/data_type.h"
#include "engine/core/tensor.h"

namespace berth::engine {

// An ordered list of owning tensors that all have one element type. Shapes may differ.
//
// A sequence is rebuilt, not edited: Reset empties it, and Append/AppendCopy add elements at
// the back. The element tensors' storage survives Reset and is reused by the next appends,
// so a sequence rebuilt every run stops allocating once it has held its largest contents.
//
// Not thread-safe, like Tensor: one thread writes it at a time; const access from several
// threads is safe.
class TensorSequence {
 public:
  // An empty sequence of element type `dtype` (kUndefined: the first element decides).
  explicit TensorSequence(DataType dtype = DataType::kUndefined) : dtype_(dtype) {}

  TensorSequence(TensorSequence&&) noexcept = default;
  TensorSequence& operator=(TensorSequence&&) noexcept = default;
  TensorSequence(const TensorSequence&) = delete;
  TensorSequence& operator=(const TensorSequence&) = delete;

  DataType dtype() const { return dtype_; }
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Element i, for 0 <= i < size().
  const Tensor& at(int64_t i) const { return elements_[static_cast<size_t>(i)]; }

  // Empties the sequence and gives it element type `dtype`, keeping storage for reuse.
  void Reset(DataType dtype);

  // Adds an element of type `dtype` and `shape` at the back and returns it for writing
  // (contents unspecified). Fails with InvalidArgument when `dtype` is not the sequence's
  // type (an untyped sequence takes it), or when the shape is invalid or too large.
  absl::StatusOr<Tensor*> Append(DataType dtype, absl::Span<const int64_t> shape);

  // Adds a copy of `tensor` at the back; fails as Append does.
  absl::Status AppendCopy(const Tensor& tensor);

 private:
  DataType dtype_;
  int64_t size_ = 0;
  // [0, size_) are the elements; the tensors after them only keep storage for reuse.
  std::vector<Tensor> elements_;
};

// Copies the type, shape and elements of `src` into `dst`, reusing dst's storage.
absl::Status CopyTensor(const Tensor& src, Tensor& dst);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_CORE_TENSOR_SEQUENCE_H_
