// Test helper for the management API's tests (and the CLI's client test): a SQLite registry
// in a new temporary folder holding two versions of model "m" (AddReluModel, pushed by
// "ann"), and an AdminApi over its own connection to it.
#ifndef BERTH_SERVER_ADMIN_ADMIN_TEST_UTIL_H_
#define BERTH_SERVER_ADMIN_ADMIN_TEST_UTIL_H_

#include <fstream>
#include <memory>
#include <string>

#include "engine/format/test_models.h"
#include "gtest/gtest.h"
#include "registry/registry.h"
#include "registry/registry_test_util.h"
#include "server/admin/admin_api.h"

namespace berth::server::admin::testing {

// Seeds the registry (m@1, m@2; with `production`, production -> 1) and returns the API
// over it, or null after a test failure. `uri`, when given, receives the registry's URI.
inline std::unique_ptr<AdminApi> SeededAdminApi(const std::string& token, bool production,
                                                std::string* uri_out = nullptr) {
  const std::string dir = registry::testing::MakeTempDir();
  const std::string uri = "sqlite:" + dir + "/registry.db";
  if (uri_out != nullptr) *uri_out = uri;
  absl::StatusOr<std::unique_ptr<registry::Registry>> seed = registry::Registry::Open(uri);
  EXPECT_TRUE(seed.ok()) << seed.status();
  if (!seed.ok()) return nullptr;
  const std::string model = dir + "/model.onnx";
  std::ofstream(model, std::ios::binary)
      << engine::testing::Serialize(engine::testing::AddReluModel());
  registry::PushOptions push;
  push.name = "m";
  push.actor = "ann";
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<registry::ModelVersion> pushed = (*seed)->Push(model, push);
    EXPECT_TRUE(pushed.ok()) << pushed.status();
  }
  if (production) {
    EXPECT_TRUE((*seed)->SetAlias("m", "production", 1, "ann", "first").ok());
  }
  absl::StatusOr<std::unique_ptr<registry::Registry>> own = registry::Registry::Open(uri);
  EXPECT_TRUE(own.ok()) << own.status();
  if (!own.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<AdminApi>> api = AdminApi::Create(std::move(*own), token);
  EXPECT_TRUE(api.ok()) << api.status();
  return api.ok() ? std::move(*api) : nullptr;
}

}  // namespace berth::server::admin::testing

#endif  // BERTH_SERVER_ADMIN_ADMIN_TEST_UTIL_H_
