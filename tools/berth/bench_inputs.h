// Synthetic inputs for `berth bench`: shapes from the signature, the batch size and --shape
// overrides; values drawn from a fixed-seed generator.
#ifndef BERTH_TOOLS_BERTH_BENCH_INPUTS_H_
#define BERTH_TOOLS_BERTH_BENCH_INPUTS_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/core/tensor.h"
#include "engine/graph/graph.h"

namespace berth::cli {

using ShapeOverrides = std::map<std::string, engine::Shape>;

// Parses --shape values "NAME=d0,d1,..." ("NAME=" is a scalar). The name is everything
// before the last '='. Fails with InvalidArgument on a malformed value or a repeated name.
absl::StatusOr<ShapeOverrides> ParseShapeOverrides(const std::vector<std::string>& specs);

// The concrete shape to feed to input `info`: its override if any (checked against the
// declared rank and fixed dims), else the declared dims with a symbolic or unknown first
// dim set to `batch`. Fails with InvalidArgument naming the input and the dim when a
// later dim is symbolic or unknown, or the rank is unknown, and no override is given.
absl::StatusOr<engine::Shape> ResolveBenchShape(const engine::ValueInfo& info, int64_t batch,
                                                const ShapeOverrides& overrides);

// Fills `tensor` with random values: floats uniform in [0,1), integers in [0,100), bools
// 0/1, strings short decimal numbers.
void FillRandom(engine::Tensor* tensor, std::mt19937_64& rng);

// One tensor per input of `inputs`, shaped by ResolveBenchShape and filled by FillRandom
// with a generator seeded by `seed`. Fails if an override names no input, for an input of
// undefined type, or when a shape is invalid or too large to allocate.
absl::StatusOr<std::vector<engine::Tensor>> MakeBenchInputs(
    const std::vector<engine::ValueInfo>& inputs, int64_t batch, const ShapeOverrides& overrides,
    uint64_t seed);

}  // namespace berth::cli

#endif  // BERTH_TOOLS_BERTH_BENCH_INPUTS_H_
