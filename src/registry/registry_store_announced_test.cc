// What the fleet's leader announced of each alias (announced_routes), on SQLite and
// PostgreSQL.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "registry/registry_store.h"
#include "registry/registry_store_fixture.h"

namespace berth::registry {
namespace {

using testing::ProductionRollout;
using testing::RegistryStoreTest;

AnnouncedRoute Route(const std::string& model, const std::string& alias, int64_t version,
                     std::optional<int64_t> rollout_id = std::nullopt) {
  AnnouncedRoute r;
  r.model = model;
  r.alias = alias;
  r.version = version;
  r.rollout_id = rollout_id;
  return r;
}

class AnnouncedRoutesTest : public RegistryStoreTest {
 protected:
  std::vector<AnnouncedRoute> List(const std::optional<std::string>& model = std::nullopt) {
    absl::StatusOr<std::vector<AnnouncedRoute>> rows = store_->ListAnnouncedRoutes(model);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.value_or(std::vector<AnnouncedRoute>{});
  }
};

TEST_P(AnnouncedRoutesTest, UpsertOneRowPerAliasWithoutMovingTheCounter) {
  AddVersions("m", 2);
  AddVersions("b", 1);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "first").ok());
  absl::StatusOr<Rollout> rollout = store_->StartRollout(ProductionRollout(2), "ann");
  ASSERT_TRUE(rollout.ok()) << rollout.status();
  EXPECT_TRUE(List().empty());
  const int64_t before = Counter();

  ASSERT_TRUE(store_
                  ->RecordAnnouncedRoutes({Route("m", "production", 1), Route("m", "staging", 2),
                                           Route("b", "production", 1)})
                  .ok());
  ASSERT_TRUE(store_->RecordAnnouncedRoutes({Route("m", "production", 1, rollout->id)}).ok());
  EXPECT_EQ(Counter(), before) << "servers poll the counter; an announcement must not wake them";

  std::vector<AnnouncedRoute> all = List();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].model, "b");
  EXPECT_EQ(all[0].alias, "production");
  EXPECT_EQ(all[0].version, 1);
  EXPECT_EQ(all[0].rollout_id, std::nullopt);
  EXPECT_EQ(all[1].model, "m");
  EXPECT_EQ(all[1].alias, "production");  // replaced, not added
  EXPECT_EQ(all[1].version, 1);
  EXPECT_EQ(all[1].rollout_id, rollout->id);
  EXPECT_LE(absl::Now() - all[1].announced_at, absl::Minutes(1));
  EXPECT_EQ(all[2].alias, "staging");
  EXPECT_EQ(all[2].version, 2);

  std::vector<AnnouncedRoute> m = List("m");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].alias, "production");
  EXPECT_EQ(m[1].alias, "staging");
  // The rollout ended and the alias moved on: the route goes back to no rollout.
  ASSERT_TRUE(
      store_->FinishRollout("m", "production", RolloutState::kPromoted, "judge", "ok").ok());
  ASSERT_TRUE(store_->RecordAnnouncedRoutes({Route("m", "production", 2)}).ok());
  m = List("m");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].version, 2);
  EXPECT_EQ(m[0].rollout_id, std::nullopt);
  EXPECT_TRUE(List("b").size() == 1u);
}

TEST_P(AnnouncedRoutesTest, RefuseBadRoutesAndWriteNothingOfTheRecord) {
  AddVersions("m", 2);
  AddVersions("other", 1);
  ASSERT_TRUE(store_->SetAlias("other", "production", 1, "ann", "first").ok());
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "first").ok());
  absl::StatusOr<Rollout> rollout = store_->StartRollout(ProductionRollout(2), "ann");
  ASSERT_TRUE(rollout.ok()) << rollout.status();
  const auto record = [&](const std::vector<AnnouncedRoute>& routes) {
    return store_->RecordAnnouncedRoutes(routes).code();
  };
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  constexpr auto kNotFound = absl::StatusCode::kNotFound;
  const AnnouncedRoute good = Route("m", "production", 1);
  EXPECT_EQ(record({good, Route("bad name!", "production", 1)}), kInvalid);
  EXPECT_EQ(record({good, Route("m", "", 1)}), kInvalid);
  EXPECT_EQ(record({good, Route("m", "a/b", 1)}), kInvalid);
  EXPECT_EQ(record({good, Route("m", "staging", 0)}), kInvalid);
  EXPECT_EQ(record({good, Route("m", "staging", 1, 0)}), kInvalid);
  EXPECT_EQ(record({good, Route("m", "production", 2)}), kInvalid);  // the alias twice
  // A rollout of another alias, or of another model, is not this route's.
  EXPECT_EQ(record({good, Route("m", "staging", 1, rollout->id)}), kInvalid);
  EXPECT_EQ(record({good, Route("other", "production", 1, rollout->id)}), kInvalid);
  EXPECT_EQ(record({good, Route("m", "staging", 1, rollout->id + 100)}), kInvalid);
  EXPECT_EQ(record({good, Route("unknown", "production", 1)}), kNotFound);
  EXPECT_EQ(record({good, Route("m", "staging", 3)}), kNotFound);
  EXPECT_TRUE(List().empty()) << "a refused record writes none of its routes";

  EXPECT_EQ(store_->ListAnnouncedRoutes("unknown").status().code(), kNotFound);
  EXPECT_EQ(store_->ListAnnouncedRoutes("bad name!").status().code(), kInvalid);
  EXPECT_TRUE(store_->RecordAnnouncedRoutes({}).ok());
  EXPECT_EQ(record({good}), absl::StatusCode::kOk);
  EXPECT_EQ(List().size(), 1u);
}

TEST_P(AnnouncedRoutesTest, SurviveReopeningTheRegistry) {
  AddVersions("m", 1);
  ASSERT_TRUE(store_->RecordAnnouncedRoutes({Route("m", "production", 1)}).ok());
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  std::vector<AnnouncedRoute> rows = List("m");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].version, 1);
}

TEST_P(AnnouncedRoutesTest, ARegistryAtSchema4GainsTheTableAndKeepsItsData) {
  AddVersions("m", 1);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "first").ok());
  store_.reset();
  {
    // The database as a berth of migration 4 left it.
    auto raw = testing::OpenRawDatabase(uri_);
    ASSERT_TRUE(raw.ok()) << raw.status();
    ASSERT_TRUE((*raw)->Query("DROP TABLE announced_routes", {}).ok());
    ASSERT_TRUE((*raw)->Query("UPDATE schema_version SET version = 4", {}).ok());
  }
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->SchemaVersion(), LatestSchemaVersion());
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);
  EXPECT_TRUE(List().empty());
  ASSERT_TRUE(store_->RecordAnnouncedRoutes({Route("m", "production", 1)}).ok());
  EXPECT_EQ(List().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AnnouncedRoutesTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace berth::registry
