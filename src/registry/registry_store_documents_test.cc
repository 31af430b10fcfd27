// Documents attached to versions (version_documents), on SQLite and PostgreSQL.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "registry/registry_store.h"
#include "registry/registry_store_fixture.h"

namespace berth::registry {
namespace {

using testing::RegistryStoreTest;

TEST_P(RegistryStoreTest, DocumentsAttachToAVersionAndReplace) {
  AddVersions("m", 2);
  const int64_t before = Counter();
  absl::StatusOr<std::optional<VersionDocument>> none =
      store_->GetVersionDocument("m", 1, "profile");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  absl::StatusOr<VersionDocument> put =
      store_->PutVersionDocument("m", 1, "profile", "{\"a\":1}", "ann");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(Counter(), before + 1);
  absl::StatusOr<std::optional<VersionDocument>> got =
      store_->GetVersionDocument("m", 1, "profile");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((*got)->body, "{\"a\":1}");
  EXPECT_EQ((*got)->created_by, "ann");
  EXPECT_EQ((*got)->created_at, put->created_at);
  // Version 2 has none; replacing version 1's keeps one row.
  EXPECT_FALSE(store_->GetVersionDocument("m", 2, "profile")->has_value());
  ASSERT_TRUE(store_->PutVersionDocument("m", 1, "profile", "{\"a\":2}", "bob").ok());
  ASSERT_TRUE(store_->PutVersionDocument("m", 1, "report", "{}", "bob").ok());
  EXPECT_EQ((*store_->GetVersionDocument("m", 1, "profile"))->body, "{\"a\":2}");
  absl::StatusOr<std::vector<VersionDocument>> list = store_->ListVersionDocuments("m", 1);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].kind, "profile");
  EXPECT_EQ((*list)[0].size, 7);
  EXPECT_TRUE((*list)[0].body.empty());
  EXPECT_EQ((*list)[1].kind, "report");
  EXPECT_TRUE(store_->ListVersionDocuments("m", 2)->empty());
  // A version record lists its documents (without bodies).
  absl::StatusOr<ModelVersion> v1 = store_->GetVersion("m", 1);
  ASSERT_TRUE(v1.ok()) << v1.status();
  ASSERT_EQ(v1->documents.size(), 2u);
  EXPECT_EQ(v1->documents[0].kind, "profile");
  EXPECT_EQ(v1->documents[0].created_by, "bob");
  EXPECT_TRUE(store_->ListVersions("m")->at(1).documents.empty());
}

TEST_P(RegistryStoreTest, DocumentsRefuseBadInput) {
  AddVersions("m", 1);
  const int64_t before = Counter();
  EXPECT_EQ(store_->PutVersionDocument("m", 9, "profile", "{}", "ann").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->PutVersionDocument("nope", 1, "profile", "{}", "ann").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->PutVersionDocument("m", 1, "bad kind!", "{}", "ann").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutVersionDocument("m", 1, std::string(65, 'k'), "{}", "ann").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->PutVersionDocument("m", 1, "profile", std::string(kMaxDocumentBytes + 1, ' '), "ann")
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetVersionDocument("m", 9, "profile").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListVersionDocuments("m", 9).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Counter(), before) << "a refused write changes nothing";
}

}  // namespace
}  // namespace berth::registry
