#include "protocol/statistics_json.h"

#include "gtest/gtest.h"

namespace berth::protocol {
namespace {

TEST(StatisticsJsonTest, OneVersionWithTritonsFieldNames) {
  VersionStatistics s;
  s.model_name = "simple";
  s.version = 2;
  s.last_inference_ms = 1700000000123;
  s.inference_count = 12;
  s.execution_count = 3;
  s.success_count = 5;
  s.success_ns = 5000;
  s.fail_count = 1;
  s.fail_ns = 70;
  s.queue_ns = 400;
  s.compute_ns = 3000;
  EXPECT_EQ(StatisticsJson({s}),
            R"({"model_stats":[{"name":"simple","version":"2","last_inference":1700000000123,)"
            R"("inference_count":12,"execution_count":3,"inference_stats":{)"
            R"("success":{"count":5,"ns":5000},"fail":{"count":1,"ns":70},)"
            R"("queue":{"count":5,"ns":400},"compute_input":{"count":5,"ns":0},)"
            R"("compute_infer":{"count":5,"ns":3000},"compute_output":{"count":5,"ns":0}},)"
            R"("batch_stats":[]}]})");
}

TEST(StatisticsJsonTest, NoVersions) {
  EXPECT_EQ(StatisticsJson({}), R"({"model_stats":[]})");
}

}  // namespace
}  // namespace berth::protocol
