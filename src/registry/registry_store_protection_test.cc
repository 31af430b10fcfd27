// Protected aliases and their gate (contract C2), on SQLite and PostgreSQL: protections,
// every refusal reason, force and the ledger, rollouts, and a protect racing alias moves.
#include <atomic>
#include <cmath>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "registry/registry_store.h"
#include "registry/registry_store_fixture.h"

namespace berth::registry {
namespace {

using testing::RegistryStoreTest;
using testing::ValidationReportJson;

Protection Guard(std::optional<double> min_accuracy = std::nullopt,
                 std::optional<double> max_p99_ms = std::nullopt) {
  Protection p;
  p.model = "m";
  p.alias = "production";
  p.min_accuracy = min_accuracy;
  p.max_p99_ms = max_p99_ms;
  p.created_by = "ann";
  return p;
}

bool Has(const absl::Status& status, const std::string& text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

TEST_P(RegistryStoreTest, ProtectionsAreSetListedReplacedAndRemoved) {
  AddVersions("m", 1);
  int64_t before = Counter();
  // The alias points nowhere yet: it may still be protected.
  absl::StatusOr<Protection> set = store_->Protect(Guard(0.9));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Counter(), before + 1);
  EXPECT_EQ(set->require, "validation");
  Protection staging = Guard(std::nullopt, 5.0);
  staging.alias = "staging";
  ASSERT_TRUE(store_->Protect(staging).ok());
  ASSERT_TRUE(store_->Protect(Guard(0.95, 2.5)).ok());  // replaces production's

  absl::StatusOr<std::vector<Protection>> list = store_->ListProtections("m");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].alias, "production");
  EXPECT_EQ((*list)[0].min_accuracy, 0.95);
  EXPECT_EQ((*list)[0].max_p99_ms, 2.5);
  EXPECT_EQ((*list)[0].created_by, "ann");
  EXPECT_EQ((*list)[1].alias, "staging");
  EXPECT_EQ((*list)[1].min_accuracy, std::nullopt);
  EXPECT_EQ((*list)[1].max_p99_ms, 5.0);

  before = Counter();
  ASSERT_TRUE(store_->Unprotect("m", "staging").ok());
  EXPECT_EQ(Counter(), before + 1);
  EXPECT_EQ(store_->Unprotect("m", "staging").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListProtections("m")->size(), 1u);
  EXPECT_EQ(store_->ListProtections("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(RegistryStoreTest, ProtectRefusesBadInput) {
  AddVersions("m", 1);
  const int64_t before = Counter();
  Protection other = Guard();
  other.require = "approval";
  absl::Status status = store_->Protect(other).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Has(status, "'approval'")) << status;
  EXPECT_EQ(store_->Protect(Guard(1.5)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Protect(Guard(std::nan(""))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Protect(Guard(std::nullopt, 0.0)).status().code(),
            absl::StatusCode::kInvalidArgument);
  Protection bad_alias = Guard();
  bad_alias.alias = "123";
  EXPECT_EQ(store_->Protect(bad_alias).status().code(), absl::StatusCode::kInvalidArgument);
  Protection unknown = Guard();
  unknown.model = "nope";
  EXPECT_EQ(store_->Protect(unknown).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Counter(), before) << "a refused protect changes nothing";
}

TEST_P(RegistryStoreTest, TheGateRefusesEachReasonByName) {
  AddVersions("m", 7);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "first").ok());
  ASSERT_TRUE(store_->Protect(Guard(0.9, 5.0)).ok());
  // 2: no report; 3: failed; 4: top-1 too low; 5: no accuracy; 6: p99 over; 7: not JSON.
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 3, "validation", ValidationReportJson(false, 0.95, 1.0), "ci")
          .ok());
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 4, "validation", ValidationReportJson(true, 0.85, 1.0), "ci")
          .ok());
  ASSERT_TRUE(store_
                  ->PutVersionDocument("m", 5, "validation",
                                       ValidationReportJson(true, std::nullopt, std::nullopt), "ci")
                  .ok());
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 6, "validation", ValidationReportJson(true, 0.95, 7.5), "ci")
          .ok());
  ASSERT_TRUE(store_->PutVersionDocument("m", 7, "validation", "{oops", "ci").ok());
  const std::vector<std::pair<int64_t, std::vector<std::string>>> cases = {
      {2, {"no validation report"}},
      {3, {"did not pass", "accuracy (top-1 0.12 is below 0.9)"}},
      {4, {"top-1 accuracy 0.85 is below the alias's minimum 0.9"}},
      {5, {"no top-1 accuracy", "no p99 latency"}},
      {6, {"p99 latency 7.5 ms is above the alias's budget of 5 ms"}},
      {7, {"not a JSON object"}},
  };
  const int64_t before = Counter();
  for (const auto& [version, reasons] : cases) {
    absl::Status status = store_->SetAlias("m", "production", version, "bob", "try").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << version << ": " << status;
    EXPECT_TRUE(Has(status, absl::StrCat("version ", version, " of model 'm'"))) << status;
    EXPECT_TRUE(Has(status, "protected alias 'production'")) << status;
    for (const std::string& reason : reasons) EXPECT_TRUE(Has(status, reason)) << status;
  }
  EXPECT_EQ(Counter(), before) << "a refused move changes nothing";
  EXPECT_EQ(*store_->GetAlias("m", "production"), 1);
  EXPECT_EQ(store_->History("m", "production")->size(), 1u);
  // Another alias is not protected; a passing version goes through.
  EXPECT_TRUE(store_->SetAlias("m", "staging", 2, "bob", "").ok());
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 2, "validation", ValidationReportJson(true, 0.9, 5.0), "ci")
          .ok());
  absl::StatusOr<DeploymentRecord> moved = store_->SetAlias("m", "production", 2, "bob", "ok");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_FALSE(moved->forced);
  // Version 1 served before the protection but has no report: going back takes a rollback.
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "bob", "").status().code() ==
              absl::StatusCode::kFailedPrecondition);
}

TEST_P(RegistryStoreTest, ForceNeedsAReasonAndTheLedgerRecordsIt) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->Protect(Guard()).ok());
  const int64_t before = Counter();
  EXPECT_EQ(store_->SetAlias("m", "production", 2, "bob", "", true).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetAlias("m", "production", 2, "bob", "  ", true).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Counter(), before);
  absl::StatusOr<DeploymentRecord> forced =
      store_->SetAlias("m", "production", 2, "bob", "hotfix, validated by hand", true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_TRUE(forced->forced);
  EXPECT_EQ(forced->reason, "hotfix, validated by hand");
  std::vector<DeploymentRecord> history = *store_->History("m", "production");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(history[0].forced);
  EXPECT_EQ(history[0].reason, "hotfix, validated by hand");
  // A force the gate did not need is not recorded as one.
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 3, "validation", ValidationReportJson(true), "ci").ok());
  absl::StatusOr<DeploymentRecord> clean =
      store_->SetAlias("m", "production", 3, "bob", "why not", true);
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_FALSE(clean->forced);
  // Rollback is not gated: it returns to 2, which has no report.
  absl::StatusOr<DeploymentRecord> back = store_->Rollback("m", "production", "bob", "bad");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->to_version, 2);
  EXPECT_FALSE(back->forced);
}

TEST_P(RegistryStoreTest, RolloutsAreGatedAndAForcedOneIsRecorded) {
  AddVersions("m", 3);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  ASSERT_TRUE(store_->Protect(Guard(0.9)).ok());
  RolloutSpec spec = testing::ProductionRollout(2);
  absl::Status refused = store_->StartRollout(spec, "bob").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(refused, "version 2 of model 'm'")) << refused;
  EXPECT_TRUE(store_->ListRollouts("m")->empty());
  EXPECT_EQ(store_->StartRollout(spec, "bob", GateOverride{true, ""}).status().code(),
            absl::StatusCode::kInvalidArgument);

  absl::StatusOr<Rollout> forced = store_->StartRollout(spec, "bob", {true, "canary at 1%"});
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_TRUE(forced->forced);
  EXPECT_EQ(forced->force_reason, "canary at 1%");
  EXPECT_TRUE(store_->ListRollouts("m")->at(0).forced);
  // Its promotion moves the protected alias; the ledger row says it was forced, and why.
  absl::StatusOr<Rollout> promoted =
      store_->FinishRollout("m", "production", RolloutState::kPromoted, "controller", "");
  ASSERT_TRUE(promoted.ok()) << promoted.status();
  DeploymentRecord last = store_->History("m", "production")->back();
  EXPECT_EQ(last.to_version, 2);
  EXPECT_TRUE(last.forced);
  EXPECT_NE(last.reason.find("canary at 1%"), std::string::npos) << last.reason;

  // A passing candidate starts without force and is recorded as not forced.
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 3, "validation", ValidationReportJson(true, 0.97), "ci")
          .ok());
  spec.candidate = 3;
  absl::StatusOr<Rollout> clean = store_->StartRollout(spec, "bob");
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_FALSE(clean->forced);
  EXPECT_EQ(clean->force_reason, "");
}

TEST_P(RegistryStoreTest, ProtectRefusesAnActiveRolloutsFailingCandidate) {
  AddVersions("m", 2);
  ASSERT_TRUE(store_->SetAlias("m", "production", 1, "ann", "").ok());
  RolloutSpec spec = testing::ProductionRollout(2);
  ASSERT_TRUE(store_->StartRollout(spec, "bob").ok());
  absl::Status refused = store_->Protect(Guard()).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(refused, "active rollout")) << refused;
  EXPECT_TRUE(store_->ListProtections("m")->empty());
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 2, "validation", ValidationReportJson(true), "ci").ok());
  EXPECT_TRUE(store_->Protect(Guard()).ok());
}

// Writers serialize on the database's writer lock, and the gate reads the protection inside
// the move's transaction: no move to an unvalidated version commits after the protection.
TEST_P(RegistryStoreTest, AProtectRacingAliasMovesLetsNothingThroughAfterIt) {
  AddVersions("m", 2);
  ASSERT_TRUE(
      store_->PutVersionDocument("m", 1, "validation", ValidationReportJson(true), "ci").ok());
  std::unique_ptr<RegistryStore> mover = Open();
  ASSERT_NE(mover, nullptr);
  std::atomic<bool> stop{false};
  std::thread moves([&] {
    for (int i = 0; i < 400 && !stop; ++i) {
      absl::Status st = mover->SetAlias("m", "production", 1 + i % 2, "bot", "").status();
      if (!st.ok() && st.code() != absl::StatusCode::kFailedPrecondition) {
        ADD_FAILURE() << st;
        return;
      }
    }
  });
  absl::SleepFor(absl::Milliseconds(30));
  absl::StatusOr<Protection> p = store_->Protect(Guard());
  absl::SleepFor(absl::Milliseconds(30));
  stop = true;
  moves.join();
  ASSERT_TRUE(p.ok()) << p.status();
  for (const DeploymentRecord& r : *store_->History("m", "production")) {
    if (r.to_version == 2) EXPECT_LT(r.at, p->created_at) << "move " << r.id;
  }
}

}  // namespace
}  // namespace berth::registry
