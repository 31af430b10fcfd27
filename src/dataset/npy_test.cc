#include "dataset/npy.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::dataset {
namespace {

using engine::DataType;
using engine::Tensor;

// A .npy file of `header` (padded as numpy does) followed by `data`, format `major`.
std::string NpyFile(const std::string& header, const std::string& data, int major = 1) {
  std::string text = header;
  const size_t preamble = major == 1 ? 10 : 12;
  text.append((64 - (preamble + text.size() + 1) % 64) % 64, ' ');
  text.push_back('\n');
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  const size_t n = text.size();
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  if (major != 1) {
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    out.push_back(static_cast<char>(n >> 24));
  }
  return out + text + data;
}

std::string Floats(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

TEST(NpyTest, ReadsFloatMatrix) {
  absl::StatusOr<Tensor> t = ParseNpy(NpyFile(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Floats({1, 2, 3, 4, 5, 6})));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dtype(), DataType::kFloat);
  EXPECT_EQ(t->shape(), engine::Shape({2, 3}));
  EXPECT_EQ(t->data<float>()[4], 5.0f);
}

TEST(NpyTest, ReadsVersions2And3AndOtherTypes) {
  std::string int64s(16, '\0');
  int64s[0] = 7;
  int64s[8] = 9;
  for (int major : {2, 3}) {
    absl::StatusOr<Tensor> t = ParseNpy(
        NpyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", int64s, major));
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->dtype(), DataType::kInt64);
    EXPECT_EQ(t->data<int64_t>()[1], 9);
  }
  absl::StatusOr<Tensor> b = ParseNpy(NpyFile(
      "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", std::string("\x00\x01\x05", 3)));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->dtype(), DataType::kBool);
  EXPECT_EQ(static_cast<const uint8_t*>(b->raw_data())[2], 1);
  absl::StatusOr<Tensor> h = ParseNpy(NpyFile(
      "{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", std::string("\x00\x3c", 2)));
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->dtype(), DataType::kFloat16);
}

TEST(NpyTest, RoundTripsThroughEncode) {
  Tensor t(DataType::kUint16, {4, 1});
  for (int i = 0; i < 4; ++i) t.data<uint16_t>()[i] = static_cast<uint16_t>(1000 * i);
  absl::StatusOr<std::string> bytes = EncodeNpy(t);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Tensor> back = ParseNpy(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->shape(), t.shape());
  EXPECT_EQ(back->data<uint16_t>()[3], 3000);
}

void ExpectRefused(const std::string& bytes, const std::string& words) {
  absl::StatusOr<Tensor> t = ParseNpy(bytes);
  ASSERT_FALSE(t.ok()) << "accepted a file that should mention: " << words;
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find(words), std::string::npos) << t.status();
}

TEST(NpyTest, RefusesBrokenFiles) {
  const std::string good = NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                   Floats({1, 2, 3, 4, 5, 6}));
  ExpectRefused("", "magic");
  ExpectRefused("PK\x03\x04 not numpy at all", "magic");
  ExpectRefused(good.substr(0, good.size() - 5), "truncated");
  ExpectRefused(good.substr(0, 40), "header claims");
  ExpectRefused(good + "xx", "needs 24 bytes of data but the file has 26");
  ExpectRefused(NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }",
                        Floats({1, 2, 3, 4, 5, 6})),
                "needs 32 bytes");
  ExpectRefused(NpyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                        Floats({1, 2, 3, 4, 5, 6})),
                "Fortran order");
  ExpectRefused(NpyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", Floats({1})),
                "big-endian");
  ExpectRefused(
      NpyFile("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')),
      "unsupported dtype '<c8'");
  ExpectRefused(NpyFile("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", ""),
                "unsupported dtype");
  ExpectRefused(NpyFile("{'descr': '<f4', 'fortran_order': False}", ""), "lacks");
  ExpectRefused(NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", ""),
                "unknown header key 'x'");
  ExpectRefused(NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", ""),
                "non-negative");
  ExpectRefused(NpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4, 5, 6, "
                        "7, 8, 9), }",
                        ""),
                "more than 8 dimensions");
}

TEST(NpyTest, RefusesHugeShapesWithoutAllocating) {
  ExpectRefused(NpyFile("{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (4294967296, 4294967296), }",
                        ""),
                "overflows");
  ExpectRefused(
      NpyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", ""),
      "more than the limit");
  ExpectRefused(NpyFile("{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (99999999999999999999999,), }",
                        ""),
                "too large");
  std::string huge_header("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
  ExpectRefused(huge_header, "exceeds the limit");
}

}  // namespace
}  // namespace berth::dataset
