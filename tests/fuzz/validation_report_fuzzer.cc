// libFuzzer target: arbitrary bytes through the validation report reader
// (validation/report.h ParseReportJson), as the registry's gates and `berth validate --show`
// read a version's "validation" document, which anyone who can push may write. Any input must
// give a report or an error, never a crash, a leak or undefined behaviour; a report that
// parses is written again (ReportToJson) and must read back to the same report (the same
// JSON value when written once more), one-line and pretty-printed alike.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "json_equal.h"
#include "validation/report.h"

namespace {

namespace validation = berth::validation;

void CheckRoundTrip(const validation::ValidationReport& report, int indent) {
  const std::string once = validation::ReportToJson(report, indent);
  absl::StatusOr<validation::ValidationReport> back = validation::ParseReportJson(once);
  if (!back.ok()) {
    std::fprintf(stderr, "the written report does not read back: %s\n%s\n",
                 back.status().ToString().c_str(), once.c_str());
    std::abort();
  }
  const std::string twice = validation::ReportToJson(*back, indent);
  if (!berth::fuzz::SameJson(once, twice)) {
    std::fprintf(stderr, "the report read back differs:\n%s\n%s\n", once.c_str(), twice.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<validation::ValidationReport> report =
      validation::ParseReportJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!report.ok()) return 0;
  CheckRoundTrip(*report, 0);
  CheckRoundTrip(*report, 2);
  return 0;
}
