// Direct pooling loops over NC<spatial> tensors: the path for what oneDNN's pooling does not
// cover (the Indices output of MaxPool, LpPool, double, averaging that counts padding in a
// ceil-extended window), and for the global pools.
#ifndef BERTH_ENGINE_KERNELS_NN_POOL_LOOPS_H_
#define BERTH_ENGINE_KERNELS_NN_POOL_LOOPS_H_

#include <cstdint>

#include "engine/kernels/nn/window.h"

namespace berth::engine {

enum class PoolKind { kMax, kAverage, kLp };

struct PoolParams {
  PoolKind kind = PoolKind::kMax;
  bool count_include_pad = false;  // kAverage: divide by the window size within the pads
  int64_t storage_order = 0;       // kMax indices: 0 row-major, 1 column-major
  float p = 2.f;                   // kLp
};

// Pools `planes` (= N * C) planes of `x` laid out as window.in into `y` laid out as
// window.out. `indices`, when not null, receives for kMax the flat index into x of each
// maximum (over the whole tensor, plane offset included). Spatial rank 1..3.
// Positions outside the input never contribute; with count_include_pad the average divides by
// the part of the window inside the attribute's padding (ceil-extended tail excluded).
template <typename T>
void PoolPlanes(const PoolParams& params, const Window& window, int64_t planes, const T* x,
                T* y, int64_t* indices);

// Reduces each of `planes` contiguous planes of `size` elements to one value: the mean, the
// max, or the Lp norm (|x|^p summed, to the power 1/p).
template <typename T>
void GlobalPoolPlanes(PoolKind kind, float p, int64_t planes, int64_t size, const T* x, T* y);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_POOL_LOOPS_H_
