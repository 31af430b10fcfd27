#include "engine/format/external_data.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace berth::engine {
namespace {

namespace fs = std::filesystem;

class ExternalDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("berth_external_data_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "model");
    std::ofstream(root_ / "model" / "weights.bin") << "0123456789abcdef";
    std::ofstream(root_ / "secret.bin") << "0123456789abcdef";
    fs::create_symlink(root_ / "secret.bin", root_ / "model" / "link.bin");
  }
  absl::StatusOr<std::string> Read(const std::string& location, uint64_t offset, int64_t length,
                                   uint64_t expected) {
    return ReadExternalData({location, offset, length}, (root_ / "model").string(), "w",
                            expected);
  }
  fs::path root_;
};

TEST_F(ExternalDataTest, ReadsARangeInsideTheFolder) {
  absl::StatusOr<std::string> data = Read("weights.bin", 4, 8, 8);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, "456789ab");
  EXPECT_EQ(*Read("./weights.bin", 0, -1, 16), "0123456789abcdef");
}

TEST_F(ExternalDataTest, RefusesEscapesAbsolutePathsAndSymlinks) {
  for (const std::string& bad :
       {std::string("../secret.bin"), std::string("sub/../../secret.bin"),
        (root_ / "secret.bin").string(), std::string("link.bin"), std::string(""),
        std::string("missing.bin"), std::string(".")}) {
    absl::StatusOr<std::string> data = Read(bad, 0, -1, 16);
    EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(data.status().message().find("tensor 'w'"), std::string::npos) << bad;
  }
}

TEST_F(ExternalDataTest, RefusesRangesOutsideTheFileAndWrongLengths) {
  EXPECT_FALSE(Read("weights.bin", 17, 0, 0).ok());
  EXPECT_FALSE(Read("weights.bin", 10, 8, 8).ok());
  EXPECT_FALSE(Read("weights.bin", ~uint64_t{0} - 2, 8, 8).ok());
  EXPECT_FALSE(Read("weights.bin", 0, 8, 12).ok());
}

TEST_F(ExternalDataTest, RefusesWhenNoFolderIsKnown) {
  EXPECT_FALSE(ReadExternalData({"weights.bin", 0, -1}, "", "w", 16).ok());
}

}  // namespace
}  // namespace berth::engine
