// The fixture of the RegistryStore suite (registry_store_test.cc,
// registry_store_alias_test.cc): a fresh store per test on the backend the parameter names,
// "sqlite" or "postgresql" (BERTH_TEST_POSTGRES_URI; skipped without it, failed under CI).
#ifndef BERTH_REGISTRY_REGISTRY_STORE_FIXTURE_H_
#define BERTH_REGISTRY_REGISTRY_STORE_FIXTURE_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "registry/registry_store.h"
#include "registry/registry_test_util.h"

namespace berth::registry::testing {

inline std::string Digest(char c) { return std::string(64, c); }

inline VersionContent Version(const std::string& model, char digest = 'a') {
  VersionContent v;
  v.model = model;
  v.digest = Digest(digest);
  v.size = 123;
  v.signature_json = R"({"inputs":[],"outputs":[]})";
  v.pushed_by = "tester";
  return v;
}

// A rollout of `candidate` on production of "m", with RolloutSpec's defaults.
inline RolloutSpec ProductionRollout(int64_t candidate) {
  RolloutSpec spec;
  spec.model = "m";
  spec.alias = "production";
  spec.candidate = candidate;
  return spec;
}

class RegistryStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      uri_ = "sqlite:" + MakeTempDir() + "/registry.db";
    } else {
      uri_ = PostgresTestUri();
      if (uri_.empty()) {
        if (InCi()) FAIL() << "CI=true but BERTH_TEST_POSTGRES_URI is not set";
        GTEST_SKIP() << "no PostgreSQL (BERTH_TEST_POSTGRES_URI is not set)";
      }
      ResetPostgres(uri_);
    }
    store_ = Open();
  }

  std::unique_ptr<RegistryStore> Open() {
    absl::StatusOr<std::unique_ptr<RegistryStore>> store = OpenRegistryStore(uri_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  int64_t Counter() {
    absl::StatusOr<int64_t> counter = store_->ChangeCounter();
    EXPECT_TRUE(counter.ok()) << counter.status();
    return counter.value_or(-1);
  }

  // Adds versions 1..n of `model`.
  void AddVersions(const std::string& model, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(store_->AddVersion(Version(model)).ok());
  }

  std::string uri_;
  std::unique_ptr<RegistryStore> store_;
};

}  // namespace berth::registry::testing

#endif  // BERTH_REGISTRY_REGISTRY_STORE_FIXTURE_H_
