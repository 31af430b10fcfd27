#include "engine/core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace berth::engine {
namespace {

constexpr size_t kAlignment = 64;

void* AlignedAlloc(size_t bytes) {
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  return std::aligned_alloc(kAlignment, rounded);
}

}  // namespace

absl::StatusOr<int64_t> CheckedNumElements(absl::Span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("negative dimension in shape ", ShapeToString(shape)));
    }
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) {
      return absl::InvalidArgumentError(
          absl::StrCat("element count of shape ", ShapeToString(shape), " overflows int64"));
    }
    n *= d;
  }
  return n;
}

int64_t NumElementsOf(absl::Span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeToString(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

Tensor::Tensor(DataType dtype, Shape shape) {
  absl::Status st = Reshape(dtype, shape);
  if (!st.ok()) std::abort();  // callers validate shapes first; see the contract
  if (data_ != nullptr) std::memset(data_, 0, byte_size());
}

Tensor Tensor::View(DataType dtype, Shape shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.num_elements_ = NumElementsOf(shape);
  t.shape_ = std::move(shape);
  t.data_ = data;
  t.owned_ = false;
  return t;
}

Tensor Tensor::AdoptBytes(DataType dtype, Shape shape, std::unique_ptr<std::string> bytes) {
  void* data = bytes->data();
  Tensor t = View(dtype, std::move(shape), data);
  t.keeper_ = std::shared_ptr<void>(bytes.release(), [](void* p) {
    delete static_cast<std::string*>(p);
  });
  return t;
}

Tensor::Tensor(Tensor&& other) noexcept { *this = std::move(other); }

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this == &other) return *this;
  Release();
  dtype_ = other.dtype_;
  shape_ = std::move(other.shape_);
  num_elements_ = other.num_elements_;
  data_ = std::exchange(other.data_, nullptr);
  capacity_ = std::exchange(other.capacity_, 0);
  owned_ = std::exchange(other.owned_, true);
  keeper_ = std::move(other.keeper_);
  strings_ = std::move(other.strings_);
  other.dtype_ = DataType::kUndefined;
  other.num_elements_ = 0;
  other.shape_.clear();
  return *this;
}

Tensor::~Tensor() { Release(); }

void Tensor::Release() {
  if (owned_ && data_ != nullptr) std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
  owned_ = true;
  keeper_.reset();
}

Tensor Tensor::Clone() const {
  Tensor copy;
  absl::Status st = copy.Reshape(dtype_, shape_);
  if (!st.ok()) std::abort();  // this tensor's shape was valid already
  if (byte_size() > 0) std::memcpy(copy.data_, data_, byte_size());
  copy.strings_ = strings_;
  return copy;
}

absl::Status Tensor::Reshape(DataType dtype, absl::Span<const int64_t> shape) {
  absl::StatusOr<int64_t> n = CheckedNumElements(shape);
  if (!n.ok()) return n.status();
  size_t elem = DataTypeSize(dtype);
  if (elem != 0 && static_cast<uint64_t>(*n) > (uint64_t{1} << 40) / elem) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "tensor of shape ", ShapeToString(shape), " and type ", DataTypeName(dtype),
        " exceeds the 1 TiB limit"));
  }
  size_t bytes = static_cast<size_t>(*n) * elem;
  if (!owned_) {  // a view never grows into storage it does not own
    data_ = nullptr;
    capacity_ = 0;
    owned_ = true;
    keeper_.reset();
  }
  if (bytes > capacity_ || data_ == nullptr) {
    void* fresh = AlignedAlloc(bytes);
    if (fresh == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes, " bytes"));
    }
    if (data_ != nullptr) std::free(data_);
    data_ = fresh;
    capacity_ = bytes == 0 ? kAlignment : bytes;
  }
  dtype_ = dtype;
  shape_.assign(shape.begin(), shape.end());
  num_elements_ = *n;
  if (dtype == DataType::kString) {
    strings_.resize(*n);
  } else {
    strings_.clear();
  }
  return absl::OkStatus();
}

void Tensor::SetShapeKeepData(absl::Span<const int64_t> shape) {
  shape_.assign(shape.begin(), shape.end());
}

}  // namespace berth::engine
