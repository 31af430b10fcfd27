#include "registry/record_json.h"

#include <string>

#include "gtest/gtest.h"

namespace berth::registry {
namespace {

absl::Time At(int64_t micros) { return absl::FromUnixMicros(micros); }

std::string VersionText(const ModelVersion& v, const std::vector<std::string>& aliases) {
  JsonWriter w;
  WriteVersionJson(w, v, aliases);
  return w.str();
}

TEST(RecordJsonTest, VersionRoundTrips) {
  ModelVersion v;
  v.model = "m";
  v.version = 3;
  v.digest = std::string(64, 'a');
  v.size = 1234;
  v.signature_json = R"({"inputs":[{"name":"x","type":"FP32","shape":[1,"n",null]}],"outputs":[]})";
  v.description = "the \"third\"";
  v.tags = {{"team", "vision"}};
  v.metrics = {{"accuracy", 0.1 + 0.2}};
  v.parent = 2;
  v.derivation = "fine-tuned";
  v.pushed_by = "ann";
  v.created_at = At(1796593510123456);
  v.documents.push_back({"m", 3, "profile", "", 5120, "bob", At(1796593520000001)});
  const std::string text = VersionText(v, {"production", "canary"});
  absl::StatusOr<ModelVersion> back = VersionFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status();
  // Written again, it is the same text: every field came back exactly.
  EXPECT_EQ(VersionText(*back, {"production", "canary"}), text);
  EXPECT_EQ(back->created_at, v.created_at);
  EXPECT_EQ(back->metrics.at("accuracy"), 0.1 + 0.2);
  ASSERT_EQ(back->documents.size(), 1u);
  EXPECT_EQ(back->documents[0].kind, "profile");
  EXPECT_EQ(back->documents[0].size, 5120);

  v.parent.reset();
  v.tags.clear();
  back = VersionFromJson(VersionText(v, {}));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->parent.has_value());
}

TEST(RecordJsonTest, DeploymentAliasAndRolloutRoundTrip) {
  DeploymentRecord d{7, "m", "production", std::nullopt, 2, "bob", "first", At(1000001)};
  JsonWriter dw;
  WriteDeploymentJson(dw, d);
  absl::StatusOr<std::vector<DeploymentRecord>> ds = DeploymentsFromJson("[" + dw.str() + "]");
  ASSERT_TRUE(ds.ok()) << ds.status();
  ASSERT_EQ(ds->size(), 1u);
  JsonWriter dw2;
  WriteDeploymentJson(dw2, (*ds)[0]);
  EXPECT_EQ(dw2.str(), dw.str());

  Alias a{"m", "canary", 4, At(5)};
  JsonWriter aw;
  aw.BeginArray();
  WriteAliasJson(aw, a);
  aw.EndArray();
  absl::StatusOr<std::vector<Alias>> as = AliasesFromJson(aw.str());
  ASSERT_TRUE(as.ok()) << as.status();
  EXPECT_EQ((*as)[0].version, 4);
  EXPECT_EQ((*as)[0].updated_at, At(5));

  Rollout r;
  r.id = 3;
  r.spec = {"m", "production", 2, 12.5, true, 0.05, 2.5, 10, 60};
  r.baseline = 1;
  r.state = RolloutState::kRolledBack;
  r.reason = "errors";
  r.actor = "ci";
  r.started_at = At(10);
  r.ended_at = At(20);
  JsonWriter rw;
  WriteRolloutJson(rw, r);
  absl::StatusOr<Rollout> back = RolloutFromJson(rw.str());
  ASSERT_TRUE(back.ok()) << back.status();
  JsonWriter rw2;
  WriteRolloutJson(rw2, *back);
  EXPECT_EQ(rw2.str(), rw.str());
}

TEST(RecordJsonTest, DocumentRoundTripsWithItsBodyAsText) {
  const VersionDocument d{"m", 3,    "validation",        "{\"passed\": true, \"note\": \"a\\nb\"}",
                          33,  "ci", At(1796593520000001)};
  JsonWriter w;
  WriteDocumentJson(w, d);
  absl::StatusOr<VersionDocument> back = DocumentFromJson(w.str());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->model, "m");
  EXPECT_EQ(back->version, 3);
  EXPECT_EQ(back->kind, "validation");
  EXPECT_EQ(back->body, d.body);
  EXPECT_EQ(back->size, 33);
  EXPECT_EQ(back->created_by, "ci");
  EXPECT_EQ(back->created_at, d.created_at);
  EXPECT_NE(DocumentFromJson(R"({"model": "m", "version": 3, "kind": "validation"})")
                .status()
                .message()
                .find("size"),
            std::string::npos);
}

TEST(RecordJsonTest, NamesWhatIsWrong) {
  absl::Status st = AliasesFromJson(R"([{"model":"m","alias":"a","version":"1",)"
                                    R"("updated_at":"2026-01-01T00:00:00Z"}])")
                        .status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'version'"), std::string::npos) << st;
  st = AliasesFromJson(R"([{"model":"m","alias":"a","version":1}])").status();
  EXPECT_NE(st.message().find("'updated_at' is missing"), std::string::npos) << st;
  st = AliasesFromJson(R"({"model":"m"})").status();
  EXPECT_NE(st.message().find("array"), std::string::npos) << st;
  st = DeploymentFromJson("{").status();
  EXPECT_NE(st.message().find("not valid JSON"), std::string::npos) << st;
}

}  // namespace
}  // namespace berth::registry
