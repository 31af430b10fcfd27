#include "serving/model_config.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::serving {
namespace {

ModelConfig Parse(const std::string& yaml) {
  absl::StatusOr<ModelConfig> c = ParseModelConfig(yaml, "m/config.yaml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : ModelConfig();
}

// The message of a refused config; the test fails if it was accepted.
std::string Refused(const std::string& yaml) {
  absl::StatusOr<ModelConfig> c = ParseModelConfig(yaml, "m/config.yaml");
  EXPECT_FALSE(c.ok()) << yaml;
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind("m/config.yaml: ", 0), 0u) << c.status();
  return std::string(c.status().message());
}

TEST(ModelConfigTest, EmptyIsTheDefault) {
  for (const char* yaml : {"", "# nothing\n", "---\n"}) {
    ModelConfig c = Parse(yaml);
    EXPECT_EQ(c.max_batch_size, 0);
    EXPECT_FALSE(c.dynamic_batching_enabled);
    EXPECT_EQ(c.max_queue_size, 1024);
    EXPECT_EQ(c.instance_count, 1);
    EXPECT_EQ(c.intra_op_threads, 0);
    EXPECT_EQ(c.version_policy.kind, VersionPolicy::Kind::kLatest);
    EXPECT_EQ(c.version_policy.latest, 1);
  }
}

TEST(ModelConfigTest, ReadsEveryField) {
  ModelConfig c = Parse(R"(
max_batch_size: 8
dynamic_batching:
  max_queue_delay_us: 500
  preferred_batch_sizes: [8, 4]
  max_queue_size: 64
instance_count: 2
intra_op_threads: 1
version_policy:
  specific: [3, 1]
)");
  EXPECT_EQ(c.max_batch_size, 8);
  EXPECT_TRUE(c.dynamic_batching_enabled);
  EXPECT_EQ(c.dynamic_batching.max_queue_delay_us, 500);
  EXPECT_EQ(c.dynamic_batching.preferred_batch_sizes, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(c.max_queue_size, 64);
  EXPECT_EQ(c.instance_count, 2);
  EXPECT_EQ(c.intra_op_threads, 1);
  EXPECT_EQ(c.version_policy.kind, VersionPolicy::Kind::kSpecific);
  EXPECT_EQ(c.version_policy.specific, (std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(Parse("max_batch_size: 4\ndynamic_batching:\n").dynamic_batching_enabled);
  EXPECT_EQ(Parse("version_policy: {all: true}").version_policy.kind, VersionPolicy::Kind::kAll);
  EXPECT_EQ(Parse("version_policy: {latest: 3}").version_policy.latest, 3);
}

TEST(ModelConfigTest, RefusesWhatIsNotUnderstood) {
  EXPECT_NE(Refused("max_batch_sise: 8").find("max_batch_sise: unknown key"), std::string::npos);
  EXPECT_NE(Refused("max_batch_size: 4\ndynamic_batching: {delay: 1}")
                .find("dynamic_batching.delay: unknown key"),
            std::string::npos);
  EXPECT_NE(Refused("max_batch_size: eight").find("max_batch_size: must be an integer"),
            std::string::npos);
  EXPECT_NE(Refused("max_batch_size: 1.5").find("must be an integer"), std::string::npos);
  EXPECT_NE(Refused("max_batch_size: -1").find("between 0 and"), std::string::npos);
  EXPECT_NE(Refused("instance_count: 0").find("instance_count: must be between 1 and 64"),
            std::string::npos);
  EXPECT_NE(Refused("dynamic_batching: {max_queue_delay_us: 5}").find("needs max_batch_size"),
            std::string::npos);
  EXPECT_NE(Refused("max_batch_size: 4\ndynamic_batching: {preferred_batch_sizes: [2, 8]}")
                .find("8 is above max_batch_size 4"),
            std::string::npos);
  EXPECT_NE(Refused("max_batch_size: 4\ndynamic_batching: {preferred_batch_sizes: [2, 2]}")
                .find("twice"),
            std::string::npos);
  EXPECT_NE(Refused("version_policy: {latest: 1, all: true}").find("exactly one"),
            std::string::npos);
  EXPECT_NE(Refused("version_policy: {specific: []}").find("lists no version"),
            std::string::npos);
  EXPECT_NE(Refused("version_policy: {specific: [0]}").find("specific[0]"), std::string::npos);
  EXPECT_NE(Refused("version_policy: {all: false}").find("can only be true"), std::string::npos);
  EXPECT_NE(Refused("version_policy: latest").find("mapping"), std::string::npos);
  EXPECT_NE(Refused("- a\n- b\n").find("mapping"), std::string::npos);
  EXPECT_NE(Refused("max_batch_size: [1\n").find("not valid YAML at line"), std::string::npos);
  EXPECT_NE(Refused("max_batch_size: 1\nmax_batch_size: 2\n").find("max_batch_size: given twice"),
            std::string::npos);
}

TEST(VersionPolicyTest, SelectsFromTheAvailableVersions) {
  const std::vector<int64_t> available = {1, 2, 5, 9};
  VersionPolicy latest;
  EXPECT_EQ(latest.Select(available), (std::vector<int64_t>{9}));
  latest.latest = 3;
  EXPECT_EQ(latest.Select(available), (std::vector<int64_t>{2, 5, 9}));
  latest.latest = 10;
  EXPECT_EQ(latest.Select(available), available);
  VersionPolicy specific;
  specific.kind = VersionPolicy::Kind::kSpecific;
  specific.specific = {2, 3, 9};
  EXPECT_EQ(specific.Select(available), (std::vector<int64_t>{2, 9}));
  VersionPolicy all;
  all.kind = VersionPolicy::Kind::kAll;
  EXPECT_EQ(all.Select(available), available);
  EXPECT_TRUE(all.Select({}).empty());
}

}  // namespace
}  // namespace berth::serving
