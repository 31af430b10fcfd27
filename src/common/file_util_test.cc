#include "common/file_util.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace berth {
namespace {

std::string TempPath(const std::string& name) {
  return std::string(::testing::TempDir()) + "/" + std::to_string(::getpid()) + "_" + name;
}

TEST(FileUtilTest, RoundTrip) {
  std::string path = TempPath("roundtrip.bin");
  ASSERT_TRUE(WriteStringToFile(path, std::string("abc\0def", 7)).ok());
  absl::StatusOr<std::string> data = ReadFileToString(path);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, std::string("abc\0def", 7));
}

TEST(FileUtilTest, MissingFileIsNotFound) {
  absl::StatusOr<std::string> data = ReadFileToString(TempPath("does-not-exist"));
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
}

TEST(FileUtilTest, OverLimitIsRefused) {
  std::string path = TempPath("big.bin");
  ASSERT_TRUE(WriteStringToFile(path, std::string(100, 'x')).ok());
  absl::StatusOr<std::string> data = ReadFileToString(path, 10);
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(data.status().message().find("over the limit"), std::string::npos);
}

TEST(FileUtilTest, RangeOutsideFileIsRefused) {
  std::string path = TempPath("range.bin");
  ASSERT_TRUE(WriteStringToFile(path, "0123456789").ok());
  std::string out;
  EXPECT_TRUE(ReadFileRange(path, 2, 3, &out).ok());
  EXPECT_EQ(out, "234");
  EXPECT_EQ(ReadFileRange(path, 8, 3, &out).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ReadFileRange(path, ~uint64_t{0}, 2, &out).code(), absl::StatusCode::kOutOfRange);
}

TEST(FileUtilTest, DirectoryIsNotARegularFile) {
  absl::StatusOr<std::string> data = ReadFileToString(::testing::TempDir());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth
