#include "quality/profile_json.h"

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "quality/test_util.h"

namespace berth::quality {
namespace {

Profile Sample() {
  ProfileBuilder builder;
  EXPECT_TRUE(builder.Add(TensorRole::kInput, "x", Normal(500, 3, 0)).ok());
  EXPECT_TRUE(builder.Add(TensorRole::kOutput, "probs", Scores(500, 4, 500)).ok());
  return *builder.Finish(absl::FromUnixSeconds(1765065600), "data.npz");
}

TEST(ProfileJsonTest, RoundTrips) {
  const Profile p = Sample();
  const std::string json = ProfileToJson(p);
  absl::StatusOr<Profile> back = ParseProfileJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->rows, 500);
  EXPECT_EQ(back->source, "data.npz");
  EXPECT_EQ(back->created_at, p.created_at);
  ASSERT_EQ(back->tensors.size(), 2u);
  EXPECT_EQ(back->tensors[1].kind, BinningKind::kClasses);
  EXPECT_EQ(back->tensors[0].histograms[2].edges, p.tensors[0].histograms[2].edges);
  EXPECT_EQ(back->tensors[0].histograms[2].shares, p.tensors[0].histograms[2].shares);
  EXPECT_EQ(ProfileToJson(*back), json);
}

void ExpectRefused(const std::string& json, const std::string& words) {
  absl::StatusOr<Profile> p = ParseProfileJson(json);
  ASSERT_FALSE(p.ok()) << "accepted a profile that should mention: " << words;
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find(words), std::string::npos) << p.status();
}

TEST(ProfileJsonTest, RefusesBadProfilesByName) {
  const std::string good = ProfileToJson(Sample());
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  ExpectRefused("not json", "not JSON");
  ExpectRefused("[]", "must be a JSON object");
  ExpectRefused(edit("\"berth.profile\"", "\"other\""), "'format' is 'other'");
  ExpectRefused(edit("\"format_version\":1", "\"format_version\":2"), "format_version 2");
  ExpectRefused(edit("\"rows\":500", "\"rows\":500,\"extra\":1"), "unknown member 'extra'");
  ExpectRefused(edit("\"role\":\"input\"", "\"role\":\"side\""), "unknown role 'side'");
  ExpectRefused(edit("\"kind\":\"features\"", "\"kind\":\"classes\""), "does not fit role");
  ExpectRefused(edit("\"row_elements\":3", "\"row_elements\":4"), "array of 4 histograms");
  ExpectRefused(edit("\"name\":\"probs\"", "\"name\":\"x\",\"n2\":0"), "unknown member 'n2'");
  ExpectRefused(edit("\"shares\":[", "\"shares\":[0.5,"), "one more value than 'edges'");
  ExpectRefused(edit("\"created_at\":\"", "\"created_at\":\"yesterday"), "RFC 3339");
  Profile empty = Sample();
  empty.tensors.clear();
  ExpectRefused(ProfileToJson(empty), "'tensors' must be an array of 1 to");
  ExpectRefused(std::string(kMaxProfileJsonBytes + 1, ' '), "more than the limit");
  // Edges out of order.
  Profile p = Sample();
  std::swap(p.tensors[0].histograms[0].edges[0], p.tensors[0].histograms[0].edges[1]);
  ExpectRefused(ProfileToJson(p), "strictly ascending");
  // Shares that do not sum to 1.
  Profile q = Sample();
  q.tensors[0].histograms[1].shares[0] += 0.5;
  ExpectRefused(ProfileToJson(q), "sum to");
  // The same tensor twice.
  Profile r = Sample();
  r.tensors.push_back(r.tensors[0]);
  ExpectRefused(ProfileToJson(r), "profiled twice");
}

}  // namespace
}  // namespace berth::quality
