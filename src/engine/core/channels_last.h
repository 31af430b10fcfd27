// Channels-last activation layout: an N, C, spatial... tensor stored as N, spatial..., C.
//
// Graph passes may switch convolution chains to channels-last (see
// graph/passes/channels_last.cc); kernels that accept a `channels_last` attribute then see
// tensors whose shape is the channels-last one and convert it back for their own arithmetic.
#ifndef BERTH_ENGINE_CORE_CHANNELS_LAST_H_
#define BERTH_ENGINE_CORE_CHANNELS_LAST_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "engine/core/tensor.h"

namespace berth::engine {

// The Transpose perm taking N, C, d1..dk to N, d1..dk, C: {0, 2, ..., rank-1, 1}. rank >= 3.
std::vector<int64_t> ToChannelsLastPerm(int rank);
// The inverse: N, d1..dk, C back to N, C, d1..dk: {0, rank-1, 1, ..., rank-2}. rank >= 3.
std::vector<int64_t> ToChannelsFirstPerm(int rank);

// The shape `channels_first` takes in channels-last layout, and back. Rank < 3 is returned
// unchanged (there is no channel axis to move).
Shape ChannelsLastShape(absl::Span<const int64_t> channels_first);
Shape ChannelsFirstShape(absl::Span<const int64_t> channels_last);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_CORE_CHANNELS_LAST_H_
