// Small bridges between engine types and oneDNN's.
#ifndef BERTH_ENGINE_KERNELS_DNNL_UTIL_H_
#define BERTH_ENGINE_KERNELS_DNNL_UTIL_H_

#include <optional>

#include "absl/types/span.h"
#include "dnnl.hpp"
#include "engine/core/data_type.h"
#include "engine/core/tensor.h"

namespace berth::engine {

// The process-wide oneDNN CPU engine.
dnnl::engine& CpuEngine();

// oneDNN's type for `type`, or nullopt when oneDNN has none (int64, double, ...).
std::optional<dnnl::memory::data_type> ToDnnlType(DataType type);

inline dnnl::memory::dims ToDnnlDims(absl::Span<const int64_t> shape) {
  return dnnl::memory::dims(shape.begin(), shape.end());
}

// The plain row-major format tag for a rank (a, ab, abc, ...); rank 1..6.
dnnl::memory::format_tag PlainTag(int rank);

// The channels-last tag for an N, C, spatial... problem of rank 3..5 (acb, acdb, acdeb: the
// memory holds N, spatial..., C); undef for other ranks.
dnnl::memory::format_tag ChannelsLastTag(int rank);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_DNNL_UTIL_H_
