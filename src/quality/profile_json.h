// The JSON form of a profile (profile.h), as `berth profile` writes it and the registry and
// the server keep it:
//
//   {"format": "berth.profile", "format_version": 1, "created_at": "2026-12-07T00:00:00Z",
//    "source": "data.npz", "rows": 1000, "bins": 10,
//    "tensors": [{"name": "x", "role": "input", "kind": "features", "row_elements": 4,
//                 "histograms": [{"edges": [...], "shares": [...]}, ...]}, ...]}
//
// Reading validates everything: the format and its version, every member's type, no unknown
// members, names (non-empty, at most 256 bytes, unique per role), kinds that fit the role,
// the number of histograms for the row size, edges strictly ascending and finite, shares in
// [0, 1] summing to 1 (within 1e-3), and the size of the whole text.
#ifndef BERTH_QUALITY_PROFILE_JSON_H_
#define BERTH_QUALITY_PROFILE_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "quality/profile.h"

namespace berth::quality {

inline constexpr int kProfileFormatVersion = 1;
inline constexpr size_t kMaxProfileJsonBytes = 16 << 20;

std::string ProfileToJson(const Profile& profile);

// InvalidArgument naming the member (with its tensor) that is wrong.
absl::StatusOr<Profile> ParseProfileJson(std::string_view json);

}  // namespace berth::quality

#endif  // BERTH_QUALITY_PROFILE_JSON_H_
