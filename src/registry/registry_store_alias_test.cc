// The RegistryStore suite, continued: aliases, the ledger, rollback, the as-of-time query and
// rollouts, on SQLite and PostgreSQL (instantiated in registry_store_test.cc).
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "registry/registry_store.h"
#include "registry/registry_store_fixture.h"

namespace berth::registry {
namespace {

using testing::RegistryStoreTest;

TEST_P(RegistryStoreTest, AliasMovesAreLedgered) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "first").ok());
  absl::StatusOr<DeploymentRecord> moved = store_->SetAlias("m", "production", 2, "bob", "better");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->from_version, 1);
  EXPECT_EQ(moved->to_version, 2);
  ASSERT_TRUE(store_->SetAlias("m", "staging", 3, "ann", "").ok());
  EXPECT_EQ(*store_->GetAlias("m", "production"), 2);

  const int64_t before = Counter();
  absl::StatusOr<DeploymentRecord> same = store_->SetAlias("m", "production", 2, "bob", "again");
  EXPECT_EQ(same->id, moved->id);  // a no-op returns the last move
  EXPECT_EQ(Counter(), before);

  std::vector<DeploymentRecord> history = *store_->History("m", std::nullopt);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].from_version, std::nullopt);
  EXPECT_EQ(history[0].to_version, 1);
  EXPECT_EQ(history[0].actor, "ann");
  EXPECT_EQ(history[1].reason, "better");
  EXPECT_EQ(history[2].alias, "staging");
  EXPECT_EQ(store_->History("m", "production")->size(), 2u);

  std::vector<Alias> aliases = *store_->ListAliases("m");
  ASSERT_EQ(aliases.size(), 2u);
  EXPECT_EQ(aliases[0].alias, "production");
  EXPECT_EQ(aliases[0].version, 2);
  EXPECT_EQ(aliases[1].alias, "staging");

  EXPECT_EQ(store_->SetAlias("m", "production", 7, "ann", "").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetAlias("m", "canary").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->GetAlias("m", "production"), 2);
}

TEST_P(RegistryStoreTest, RollbackReturnsToThePreviousVersion) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  absl::StatusOr<DeploymentRecord> none = store_->Rollback("m", "production", "ann", "oops");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("no earlier version"), std::string::npos);
  ASSERT_TRUE(store_->SetAlias("m", "production", 3, "ann", "").ok());

  absl::StatusOr<DeploymentRecord> back = store_->Rollback("m", "production", "bob", "errors");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->from_version, 3);
  EXPECT_EQ(back->to_version, 1);
  EXPECT_EQ(back->actor, "bob");
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);
  // The rollback is a move like any other: rolling it back returns to 3.
  EXPECT_EQ(store_->Rollback("m", "production", "bob", "")->to_version, 3);
  EXPECT_EQ(store_->History("m", "production")->size(), 4u);
  EXPECT_EQ(store_->Rollback("m", "canary", "bob", "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(RegistryStoreTest, VersionAtAnswersFromTheLedger) {
  AddVersions("m", 2);
  const absl::Time before = absl::Now();
  absl::SleepFor(absl::Milliseconds(5));
  DeploymentRecord first = *store_->SetAlias("m", "production", 1, "ann", "");
  absl::SleepFor(absl::Milliseconds(5));
  const absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(5));
  DeploymentRecord second = *store_->SetAlias("m", "production", 2, "ann", "");

  EXPECT_EQ(store_->VersionAt("m", "production", before).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->VersionAt("m", "production", first.at), 1);
  EXPECT_EQ(*store_->VersionAt("m", "production", between), 1);
  EXPECT_EQ(*store_->VersionAt("m", "production", second.at), 2);
  EXPECT_EQ(*store_->VersionAt("m", "production", absl::Now()), 2);
}

TEST_P(RegistryStoreTest, OneActiveRolloutPerAlias) {
  AddVersions("m", 3);
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 2;
  EXPECT_EQ(store_->StartRollout(spec, "ann").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  spec.candidate = 1;
  EXPECT_EQ(store_->StartRollout(spec, "ann").status().code(), absl::StatusCode::kInvalidArgument);
  spec.candidate = 2;
  spec.canary_percent = 0;
  EXPECT_EQ(store_->StartRollout(spec, "ann").status().code(), absl::StatusCode::kInvalidArgument);
  spec.canary_percent = 25;
  spec.shadow = true;
  spec.min_requests = 50;

  absl::StatusOr<Rollout> started = store_->StartRollout(spec, "ann");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->baseline, 1);
  EXPECT_EQ(started->state, RolloutState::kActive);
  EXPECT_TRUE(started->spec.shadow);
  EXPECT_EQ(started->spec.canary_percent, 25);
  spec.candidate = 3;
  absl::StatusOr<Rollout> second = store_->StartRollout(spec, "bob");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("already has an active rollout"), std::string::npos);

  std::optional<Rollout> active = *store_->ActiveRollout("m", "production");
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->id, started->id);
  EXPECT_EQ(active->spec.min_requests, 50);

  absl::StatusOr<Rollout> aborted =
      store_->FinishRollout("m", "production", RolloutState::kAborted, "bob", "by hand");
  ASSERT_TRUE(aborted.ok()) << aborted.status();
  EXPECT_EQ(aborted->state, RolloutState::kAborted);
  EXPECT_TRUE(aborted->ended_at.has_value());
  EXPECT_FALSE(store_->ActiveRollout("m", "production")->has_value());
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);  // an abort leaves the alias alone
  EXPECT_EQ(
      store_->FinishRollout("m", "production", RolloutState::kAborted, "bob", "").status().code(),
      absl::StatusCode::kNotFound);

  ASSERT_TRUE(store_->StartRollout(spec, "bob").ok());
  absl::StatusOr<Rollout> promoted =
      store_->FinishRollout("m", "production", RolloutState::kPromoted, "controller", "healthy");
  ASSERT_TRUE(promoted.ok()) << promoted.status();
  EXPECT_EQ(*store_->GetAlias("m", "production"), 3);
  EXPECT_EQ(store_->History("m", "production")->back().actor, "controller");
  std::vector<Rollout> all = *store_->ListRollouts("m");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].state, RolloutState::kAborted);
  EXPECT_EQ(all[0].reason, "by hand");
  EXPECT_EQ(all[1].state, RolloutState::kPromoted);
}

TEST_P(RegistryStoreTest, ARolledBackRolloutIsLedgeredAndRollbackPassesOverIt) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  ASSERT_TRUE(store_->SetAlias("m", "production", 2, "ann", "").ok());
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 3;
  ASSERT_TRUE(store_->StartRollout(spec, "ann").ok());
  absl::StatusOr<Rollout> rolled_back = store_->FinishRollout(
      "m", "production", RolloutState::kRolledBack, "berth-serve", "error rate 0.1 > 0.01");
  ASSERT_TRUE(rolled_back.ok()) << rolled_back.status();
  EXPECT_EQ(*store_->GetAlias("m", "production"), 2);  // the alias stays
  DeploymentRecord last = store_->History("m", "production")->back();
  EXPECT_EQ(last.from_version, 2);
  EXPECT_EQ(last.to_version, 2);
  EXPECT_EQ(last.actor, "berth-serve");
  EXPECT_NE(last.reason.find("of version 3 rolled back: error rate 0.1 > 0.01"), std::string::npos)
      << last.reason;
  // A rollback undoes the last real move (1 -> 2), not the rollout's row.
  absl::StatusOr<DeploymentRecord> back = store_->Rollback("m", "production", "ann", "");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->from_version, 2);
  EXPECT_EQ(back->to_version, 1);
}

TEST_P(RegistryStoreTest, MovingTheAliasByHandAbortsItsRollout) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = 2;
  ASSERT_TRUE(store_->StartRollout(spec, "ann").ok());
  ASSERT_TRUE(store_->SetAlias("m", "production", 3, "bob", "hotfix").ok());
  EXPECT_FALSE(store_->ActiveRollout("m", "production")->has_value());
  Rollout ended = store_->ListRollouts("m")->back();
  EXPECT_EQ(ended.state, RolloutState::kAborted);
  EXPECT_EQ(ended.reason, "alias moved by hand (alias set)");

  ASSERT_TRUE(store_->StartRollout(spec, "ann").ok());
  ASSERT_TRUE(store_->Rollback("m", "production", "bob", "").ok());
  EXPECT_EQ(store_->ListRollouts("m")->back().reason, "alias moved by hand (rollback)");
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);
}

}  // namespace
}  // namespace berth::registry
