#include "dataset/npz.h"

#include <zip.h>

#include <string>

#include "gtest/gtest.h"

namespace berth::dataset {
namespace {

using engine::DataType;
using engine::Tensor;

Tensor Iota(int64_t rows, int64_t cols) {
  Tensor t(DataType::kFloat, {rows, cols});
  for (int64_t i = 0; i < rows * cols; ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

// A zip (deflated members) holding `members` as raw bytes, written by libzip.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& members) {
  zip_source_t* sink = zip_source_buffer_create(nullptr, 0, 0, nullptr);
  zip_source_keep(sink);
  zip_t* archive = zip_open_from_source(sink, ZIP_TRUNCATE, nullptr);
  for (const auto& [name, bytes] : members) {
    zip_source_t* s = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = zip_file_add(archive, name.c_str(), s, 0);
    zip_set_file_compression(archive, index, ZIP_CM_DEFLATE, 9);
  }
  zip_close(archive);
  zip_source_open(sink);
  std::string out;
  char buffer[4096];
  zip_int64_t n;
  while ((n = zip_source_read(sink, buffer, sizeof buffer)) > 0) out.append(buffer, n);
  zip_source_close(sink);
  zip_source_free(sink);
  return out;
}

TEST(NpzTest, ReadsStoredMembers) {
  std::vector<NamedTensor> in;
  in.push_back({"x", Iota(3, 2)});
  in.push_back({"y", Iota(3, 1)});
  absl::StatusOr<std::string> bytes = EncodeNpz(in);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<std::vector<NamedTensor>> out = ParseNpz(*bytes);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].name, "x");
  EXPECT_EQ((*out)[1].name, "y");
  EXPECT_EQ((*out)[0].tensor.shape(), engine::Shape({3, 2}));
  EXPECT_EQ((*out)[0].tensor.data<float>()[5], 5.0f);
}

TEST(NpzTest, ReadsDeflatedMembers) {
  absl::StatusOr<std::string> npy = EncodeNpy(Iota(100, 4));
  ASSERT_TRUE(npy.ok());
  absl::StatusOr<std::vector<NamedTensor>> out = ParseNpz(Zip({{"features.npy", *npy}}));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].name, "features");
  EXPECT_EQ((*out)[0].tensor.data<float>()[399], 399.0f);
}

void ExpectRefused(const std::string& bytes, const std::string& words, NpzLimits limits = {}) {
  absl::StatusOr<std::vector<NamedTensor>> out = ParseNpz(bytes, limits);
  ASSERT_FALSE(out.ok()) << "accepted an archive that should mention: " << words;
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find(words), std::string::npos) << out.status();
}

TEST(NpzTest, RefusesBrokenArchives) {
  absl::StatusOr<std::string> npy = EncodeNpy(Iota(10, 2));
  ASSERT_TRUE(npy.ok());
  const std::string good = Zip({{"a.npy", *npy}});
  ExpectRefused("definitely not a zip", "not a valid .npz");
  ExpectRefused(good.substr(0, good.size() / 2), "not a valid .npz");
  ExpectRefused(Zip({{"a.txt", *npy}}), "'a.txt' is not a NAME.npy");
  ExpectRefused(Zip({{"a.npy", npy->substr(0, npy->size() - 3)}}), "member 'a.npy'");
  NpzLimits small;
  small.max_total_bytes = 100;
  ExpectRefused(good, "past the limit", small);
  NpzLimits few;
  few.max_members = 1;
  ExpectRefused(Zip({{"a.npy", *npy}, {"b.npy", *npy}}), "more than the limit of 1", few);
}

TEST(NpzTest, RefusesAMemberWhoseSizeLies) {
  absl::StatusOr<std::string> npy = EncodeNpy(Iota(10, 2));
  ASSERT_TRUE(npy.ok());
  std::vector<NamedTensor> one;
  one.push_back({"a", Iota(10, 2)});
  std::string bytes = *EncodeNpz(one);
  // The local header's and the central directory's uncompressed size (stored: both sizes)
  // claim 16 bytes fewer than the member holds.
  const uint32_t real = static_cast<uint32_t>(npy->size());
  int patched = 0;
  for (size_t i = 0; i + 4 <= bytes.size(); ++i) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + i, 4);
    if (v == real) {
      const uint32_t lie = real - 16;
      std::memcpy(bytes.data() + i, &lie, 4);
      ++patched;
    }
  }
  ASSERT_GE(patched, 2);
  absl::StatusOr<std::vector<NamedTensor>> out = ParseNpz(bytes);
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace berth::dataset
