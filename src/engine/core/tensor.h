// Tensor: a dense, row-major n-dimensional array with an element type.
#ifndef BERTH_ENGINE_CORE_TENSOR_H_
#define BERTH_ENGINE_CORE_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/core/data_type.h"

namespace berth::engine {

// Dimensions of a tensor; an empty Shape is a scalar (one element).
using Shape = absl::InlinedVector<int64_t, 6>;

// The number of elements of `shape`. Fails with InvalidArgument if a dimension is negative
// or the product overflows int64.
absl::StatusOr<int64_t> CheckedNumElements(absl::Span<const int64_t> shape);

// The product of the dims, for shapes already validated. 1 for a scalar.
int64_t NumElementsOf(absl::Span<const int64_t> shape);

// "[1,3,224,224]"
std::string ShapeToString(absl::Span<const int64_t> shape);

// A tensor owns its storage (64-byte aligned) unless it was made with Tensor::View.
// Resizing keeps the allocation when it is large enough, so a tensor reused across runs
// stops allocating once it has seen its largest shape.
//
// Not thread-safe: a Tensor is used by one thread at a time; const access from several
// threads is safe.
class Tensor {
 public:
  Tensor() = default;
  // Allocates storage for `shape` (zero-filled). The shape must be valid (see CheckedNumElements).
  Tensor(DataType dtype, Shape shape);
  // A non-owning view of `data`, which must outlive the tensor and hold the shape's bytes.
  static Tensor View(DataType dtype, Shape shape, void* data);
  // Takes over `bytes` (exactly the shape's byte size, checked by the caller) as storage,
  // without copying. Used to keep model weights in the buffers the parser filled.
  static Tensor AdoptBytes(DataType dtype, Shape shape, std::unique_ptr<std::string> bytes);

  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  ~Tensor();

  // A deep copy (owning), whatever this tensor is.
  Tensor Clone() const;

  // Gives the tensor this type and shape, reusing the storage when it is large enough.
  // Contents are unspecified afterwards. Fails if the shape is invalid or too large.
  absl::Status Reshape(DataType dtype, absl::Span<const int64_t> shape);
  // Changes the shape only; the element count must stay the same.
  void SetShapeKeepData(absl::Span<const int64_t> shape);

  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i]; }
  int64_t num_elements() const { return num_elements_; }
  size_t byte_size() const { return num_elements_ * DataTypeSize(dtype_); }
  bool is_view() const { return !owned_; }

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }
  template <typename T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }
  template <typename T>
  absl::Span<T> span() {
    return absl::Span<T>(data<T>(), num_elements_);
  }
  template <typename T>
  absl::Span<const T> span() const {
    return absl::Span<const T>(data<T>(), num_elements_);
  }

  // Element storage of kString tensors (empty for other types).
  std::vector<std::string>& strings() { return strings_; }
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  void Release();

  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t num_elements_ = 0;
  void* data_ = nullptr;
  size_t capacity_ = 0;  // bytes owned at data_
  bool owned_ = true;
  std::shared_ptr<void> keeper_;  // keeps adopted storage alive (AdoptBytes)
  std::vector<std::string> strings_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_CORE_TENSOR_H_
