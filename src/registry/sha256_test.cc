#include "registry/sha256.h"

#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "registry/registry_test_util.h"

namespace berth::registry {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, FileHashEqualsBytesHash) {
  std::string bytes(3 << 20, 'x');  // more than one read chunk
  bytes[12345] = 'y';
  const std::string path = testing::MakeTempDir() + "/f.bin";
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(*Sha256HexOfFile(path), Sha256Hex(bytes));
  EXPECT_EQ(Sha256HexOfFile(path + ".missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(Sha256Test, ValidateDigest) {
  EXPECT_TRUE(ValidateDigest(Sha256Hex("abc")).ok());
  const std::vector<std::string> bad_digests = {"", std::string(63, 'a'), std::string(64, 'A'),
                                                std::string(64, 'g'), std::string(65, 'a')};
  for (const std::string& bad : bad_digests) {
    EXPECT_EQ(ValidateDigest(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace berth::registry
