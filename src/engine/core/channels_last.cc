#include "engine/core/channels_last.h"

namespace berth::engine {
namespace {

// out[i] = in[perm[i]], the Transpose rule.
Shape Permute(absl::Span<const int64_t> in, const std::vector<int64_t>& perm) {
  Shape out(in.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[perm[i]];
  return out;
}

}  // namespace

std::vector<int64_t> ToChannelsLastPerm(int rank) {
  std::vector<int64_t> perm = {0};
  for (int i = 2; i < rank; ++i) perm.push_back(i);
  perm.push_back(1);
  return perm;
}

std::vector<int64_t> ToChannelsFirstPerm(int rank) {
  std::vector<int64_t> perm = {0, rank - 1};
  for (int i = 1; i < rank - 1; ++i) perm.push_back(i);
  return perm;
}

Shape ChannelsLastShape(absl::Span<const int64_t> channels_first) {
  if (channels_first.size() < 3) return Shape(channels_first.begin(), channels_first.end());
  return Permute(channels_first, ToChannelsLastPerm(static_cast<int>(channels_first.size())));
}

Shape ChannelsFirstShape(absl::Span<const int64_t> channels_last) {
  if (channels_last.size() < 3) return Shape(channels_last.begin(), channels_last.end());
  return Permute(channels_last, ToChannelsFirstPerm(static_cast<int>(channels_last.size())));
}

}  // namespace berth::engine
