// Runs one ONNX backend test case (a folder with model.onnx and test_data_set_N/ folders of
// input_K.pb and output_K.pb) in the current process.
#ifndef BERTH_TESTS_CONFORMANCE_CASE_RUNNER_H_
#define BERTH_TESTS_CONFORMANCE_CASE_RUNNER_H_

#include <string>
#include <vector>

#include "compare.h"
#include "scope.h"

namespace berth::conformance {

struct CaseResult {
  Outcome outcome = Outcome::kFail;
  std::string reason;  // one line; empty for a pass
};

struct RunOptions {
  int threads = 1;  // intra-op threads of the engine
  Tolerance tolerance;
};

// The test_data_set_N folders of `case_dir`, ordered by N.
std::vector<std::string> ListDataSets(const std::string& case_dir);

// The files `prefix`N.pb ("input_", "output_") of `data_set_dir`, ordered by N.
std::vector<std::string> ListTensorFiles(const std::string& data_set_dir,
                                         const std::string& prefix);

// ONNX 1.12's test data stores bfloat16 tensors as uint16 (numpy had no bfloat16). When
// `tensor` is uint16 and the model declares `declared` = bfloat16, reinterprets its bits as
// bfloat16; otherwise leaves it alone.
void ReinterpretLegacyBFloat16(engine::DataType declared, engine::Tensor* tensor);

// Classifies and, when in scope, runs every data set of the case. Never returns kCrash:
// crashes are caught by the caller's process isolation. May be slow; not thread-safe with
// respect to the process (the engine may start threads).
CaseResult RunCase(const std::string& case_dir, const RunOptions& options);

}  // namespace berth::conformance

#endif  // BERTH_TESTS_CONFORMANCE_CASE_RUNNER_H_
