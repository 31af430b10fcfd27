// Element types of engine tensors. The numeric values equal ONNX TensorProto.DataType so that
// conversion from the file format is a range check, not a table.
#ifndef BERTH_ENGINE_CORE_DATA_TYPE_H_
#define BERTH_ENGINE_CORE_DATA_TYPE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace berth::engine {

enum class DataType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kBFloat16 = 16,
};

// IEEE 754 half precision, stored as bits. Conversions round to nearest even.
struct Float16 {
  uint16_t bits = 0;
  Float16() = default;
  explicit Float16(float f);
  explicit operator float() const;
};

// bfloat16 (the upper half of a float32), stored as bits. Conversion rounds to nearest even.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float f);
  explicit operator float() const;
};

// Size in bytes of one element; 0 for kUndefined and kString (strings are stored out of line).
size_t DataTypeSize(DataType type);

// The ONNX spelling ("float", "int64", "float16", ...), or "undefined(N)" for unknown values.
std::string DataTypeName(DataType type);

// True for the values the engine knows (kUndefined excluded).
bool IsKnownDataType(int32_t value);

bool IsFloatingPoint(DataType type);  // float, double, float16, bfloat16
bool IsSignedInteger(DataType type);
bool IsUnsignedInteger(DataType type);  // bool excluded

// Maps a C++ element type to its DataType: DataTypeOf<float>::value == DataType::kFloat.
template <typename T>
struct DataTypeOf;
#define BERTH_DATA_TYPE_OF_(T, V) \
  template <>                     \
  struct DataTypeOf<T> {          \
    static constexpr DataType value = DataType::V; \
  }
BERTH_DATA_TYPE_OF_(float, kFloat);
BERTH_DATA_TYPE_OF_(uint8_t, kUint8);
BERTH_DATA_TYPE_OF_(int8_t, kInt8);
BERTH_DATA_TYPE_OF_(uint16_t, kUint16);
BERTH_DATA_TYPE_OF_(int16_t, kInt16);
BERTH_DATA_TYPE_OF_(int32_t, kInt32);
BERTH_DATA_TYPE_OF_(int64_t, kInt64);
BERTH_DATA_TYPE_OF_(std::string, kString);
BERTH_DATA_TYPE_OF_(bool, kBool);
BERTH_DATA_TYPE_OF_(Float16, kFloat16);
BERTH_DATA_TYPE_OF_(double, kDouble);
BERTH_DATA_TYPE_OF_(uint32_t, kUint32);
BERTH_DATA_TYPE_OF_(uint64_t, kUint64);
BERTH_DATA_TYPE_OF_(BFloat16, kBFloat16);
#undef BERTH_DATA_TYPE_OF_

// Calls fn(T{}) with the C++ type of `type` (numeric and bool types only; string excluded).
// Returns false without calling fn when `type` is not one of them.
template <typename Fn>
bool VisitNumericType(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kFloat: fn(float{}); return true;
    case DataType::kUint8: fn(uint8_t{}); return true;
    case DataType::kInt8: fn(int8_t{}); return true;
    case DataType::kUint16: fn(uint16_t{}); return true;
    case DataType::kInt16: fn(int16_t{}); return true;
    case DataType::kInt32: fn(int32_t{}); return true;
    case DataType::kInt64: fn(int64_t{}); return true;
    case DataType::kBool: fn(bool{}); return true;
    case DataType::kFloat16: fn(Float16{}); return true;
    case DataType::kDouble: fn(double{}); return true;
    case DataType::kUint32: fn(uint32_t{}); return true;
    case DataType::kUint64: fn(uint64_t{}); return true;
    case DataType::kBFloat16: fn(BFloat16{}); return true;
    default: return false;
  }
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_CORE_DATA_TYPE_H_
