// Bounded, error-reporting file helpers.
#ifndef BERTH_COMMON_FILE_UTIL_H_
#define BERTH_COMMON_FILE_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace berth {

// Reads the whole file at `path`. Fails with InvalidArgument if the file is larger than
// `max_bytes`, NotFound if it does not exist, and Internal on a read error.
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             uint64_t max_bytes = uint64_t{1} << 34);

// Reads `length` bytes starting at `offset` of the file at `path` into `out`.
// Fails with OutOfRange if the range does not lie inside the file.
absl::Status ReadFileRange(const std::string& path, uint64_t offset, uint64_t length,
                           std::string* out);

// Writes `data` to `path`, replacing it. Fails with Internal on any I/O error.
absl::Status WriteStringToFile(const std::string& path, const std::string& data);

}  // namespace berth

#endif  // BERTH_COMMON_FILE_UTIL_H_
