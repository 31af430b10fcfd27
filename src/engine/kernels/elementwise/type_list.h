// Compile-time lists of element types: one list per kernel both registers the accepted
// DataTypes and instantiates the kernel for exactly those types, so the two cannot drift.
#ifndef BERTH_ENGINE_KERNELS_ELEMENTWISE_TYPE_LIST_H_
#define BERTH_ENGINE_KERNELS_ELEMENTWISE_TYPE_LIST_H_

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/core/data_type.h"

namespace berth::engine {

template <typename... Ts>
struct TypeList {};

template <typename... As, typename... Bs>
constexpr TypeList<As..., Bs...> operator+(TypeList<As...>, TypeList<Bs...>) {
  return {};
}

using FloatTypes = TypeList<float, double, Float16, BFloat16>;
using SignedIntTypes = TypeList<int8_t, int16_t, int32_t, int64_t>;
using UnsignedIntTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;
using IntTypes = decltype(SignedIntTypes{} + UnsignedIntTypes{});
// Every numeric type except bool.
using NumericTypes = decltype(FloatTypes{} + IntTypes{});
using AllNumericAndBoolTypes = decltype(NumericTypes{} + TypeList<bool>{});
using AllTypes = decltype(AllNumericAndBoolTypes{} + TypeList<std::string>{});

// The DataTypes of a list, for KernelDef::types.
template <typename... Ts>
std::vector<DataType> DataTypesOf(TypeList<Ts...>) {
  return {DataTypeOf<Ts>::value...};
}

// Calls fn(T{}) for the member T of the list whose DataType is `type`; false if none is.
template <typename Fn, typename... Ts>
bool DispatchType(TypeList<Ts...>, DataType type, Fn&& fn) {
  return ((type == DataTypeOf<Ts>::value ? (fn(Ts{}), true) : false) || ...);
}

template <typename T>
inline constexpr bool kIsHalf = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_ELEMENTWISE_TYPE_LIST_H_
