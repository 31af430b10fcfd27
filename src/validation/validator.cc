#include "validation/validator.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "validation/edge_case_check.h"
#include "validation/latency_check.h"
#include "validation/signature_check.h"
#include "validation/tensors.h"

namespace berth::validation {
namespace {

using engine::Model;
using engine::Tensor;

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

CheckResult Skipped(const char* name, std::string message) {
  CheckResult c;
  c.name = name;
  c.status = CheckStatus::kSkipped;
  c.message = std::move(message);
  return c;
}

CheckResult Failed(const char* name, std::string message) {
  CheckResult c = Skipped(name, std::move(message));
  c.status = CheckStatus::kFailed;
  return c;
}

absl::Status CheckOptions(const ValidationOptions& o) {
  auto bad = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  if (o.batch < 1 || o.batch > kMaxBatch) {
    return bad(absl::StrCat("batch ", o.batch, " is not within 1 to ", kMaxBatch));
  }
  if (o.threads < 0 || o.threads > kMaxThreads) {
    return bad(absl::StrCat("threads ", o.threads, " is not within 0 to ", kMaxThreads));
  }
  if (o.min_accuracy && !(*o.min_accuracy >= 0 && *o.min_accuracy <= 1)) {
    return bad(absl::StrCat("min accuracy ", *o.min_accuracy, " is not within 0 to 1"));
  }
  if (o.max_p99_ms && !(*o.max_p99_ms >= 0 && std::isfinite(*o.max_p99_ms))) {
    return bad(absl::StrCat("max p99 ", *o.max_p99_ms, " ms is not a finite number >= 0"));
  }
  if (o.min_agreement && !(*o.min_agreement >= 0 && *o.min_agreement <= 1)) {
    return bad(absl::StrCat("min agreement ", *o.min_agreement, " is not within 0 to 1"));
  }
  if (o.max_abs_diff && !(*o.max_abs_diff >= 0 && std::isfinite(*o.max_abs_diff))) {
    return bad(
        absl::StrCat("max absolute difference ", *o.max_abs_diff, " is not a finite number >= 0"));
  }
  if (o.data_batch < 1 || o.data_batch > kMaxBatch || o.largest_batch < 1 ||
      o.largest_batch > kMaxBatch) {
    return bad(
        absl::StrCat("the data batch and the largest edge-case batch must be 1 to ", kMaxBatch));
  }
  if (o.latency_iterations < 1 || o.latency_iterations > kMaxIterations) {
    return bad(absl::StrCat("latency iterations must be 1 to ", kMaxIterations));
  }
  return absl::OkStatus();
}

// Loads the model and runs it once on random inputs (the warm-up).
CheckResult LoadCheck(const std::string& path, const engine::ModelOptions& model_options,
                      uint64_t seed, std::unique_ptr<Model>* model) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<Model>> loaded = Model::LoadFromFile(path, model_options);
  if (!loaded.ok())
    return Failed("load", absl::StrCat("does not load: ", loaded.status().message()));
  const double load_ms = MillisSince(start);
  const Model& m = **loaded;
  const int64_t fixed = FixedBatch(m.inputs());
  auto inputs = MakeRandomInputs(m.inputs(), fixed > 0 ? fixed : 1, seed);
  CheckResult c;
  c.name = "load";
  c.status = CheckStatus::kPassed;
  c.figures = {{"load_ms", load_ms},
               {"inputs", static_cast<double>(m.inputs().size())},
               {"outputs", static_cast<double>(m.outputs().size())},
               {"nodes", static_cast<double>(m.summary().node_count)},
               {"parameters", static_cast<double>(m.summary().parameter_count)}};
  if (!inputs.ok()) {
    c.message = fmt::format("loaded in {:.1f} ms; no warm-up run ({})", load_ms,
                            std::string(inputs.status().message()));
    *model = std::move(*loaded);
    return c;
  }
  std::vector<const Tensor*> pointers;
  for (const Tensor& t : *inputs) pointers.push_back(&t);
  std::vector<Tensor> outputs;
  const auto warm = std::chrono::steady_clock::now();
  absl::Status ran = m.Run(pointers, &outputs);
  if (!ran.ok()) {
    return Failed("load", absl::StrCat("loaded, but the warm-up run failed: ", ran.message()));
  }
  c.figures.insert(c.figures.begin() + 1, {"warmup_ms", MillisSince(warm)});
  c.message = fmt::format("loaded in {:.1f} ms and ran once ({} inputs, {} outputs)", load_ms,
                          m.inputs().size(), m.outputs().size());
  *model = std::move(*loaded);
  return c;
}

CheckResult SignatureCheck(const Model& model, const Model& against) {
  SignatureDiff diff =
      CompareSignatures(against.inputs(), against.outputs(), model.inputs(), model.outputs());
  CheckResult c;
  c.name = "signature";
  c.figures = {{"breaks", static_cast<double>(diff.breaks.size())},
               {"compatible_changes", static_cast<double>(diff.compatible.size())}};
  if (!diff.breaks.empty()) {
    c.status = CheckStatus::kFailed;
    c.message =
        absl::StrCat("clients of the other model would break: ", absl::StrJoin(diff.breaks, "; "));
    return c;
  }
  c.status = CheckStatus::kPassed;
  c.message = diff.compatible.empty()
                  ? "same inputs and outputs"
                  : absl::StrCat("compatible: ", absl::StrJoin(diff.compatible, "; "));
  return c;
}

CheckResult AccuracyCheck(const std::vector<CollectedOutput>& outputs, const Dataset& data,
                          const std::optional<double>& min_accuracy,
                          std::optional<AccuracyFigures>* figures) {
  if (!data.labels) {
    std::string why = "the data has no labels (a 'label' or 'labels' tensor, or --labels FILE)";
    return min_accuracy ? Failed("accuracy", absl::StrCat("a minimum accuracy is set but ", why))
                        : Skipped("accuracy", why);
  }
  if (outputs.empty()) return Failed("accuracy", "the model has no output");
  const CollectedOutput& out = outputs.front();
  std::vector<double> labels = *data.labels;
  labels.resize(std::min<size_t>(labels.size(), out.rows));
  absl::StatusOr<AccuracyFigures> a =
      data.float_labels ? RegressionAccuracy(out, labels) : ClassificationAccuracy(out, labels);
  if (!a.ok()) return Failed("accuracy", std::string(a.status().message()));
  *figures = *a;
  CheckResult c;
  c.name = "accuracy";
  c.status = CheckStatus::kPassed;
  if (a->task == "regression") {
    c.figures = {{"rows", static_cast<double>(a->rows)}, {"mae", a->mae}, {"rmse", a->rmse}};
    c.message =
        fmt::format("regression on {} rows: MAE {:.6g}, RMSE {:.6g}", a->rows, a->mae, a->rmse);
    if (min_accuracy) {
      c.status = CheckStatus::kFailed;
      c.message += "; a minimum accuracy applies to classification top-1, not regression";
    }
    return c;
  }
  c.figures = {{"rows", static_cast<double>(a->rows)}, {"top1", a->top1}};
  if (a->top5) c.figures.emplace_back("top5", *a->top5);
  if (min_accuracy) c.figures.emplace_back("min_accuracy", *min_accuracy);
  const auto right = static_cast<int64_t>(std::llround(a->top1 * static_cast<double>(a->rows)));
  c.message = fmt::format("top-1 {:.4f} ({} of {} rows right)", a->top1, right, a->rows);
  if (a->top5) c.message += fmt::format(", top-5 {:.4f}", *a->top5);
  if (min_accuracy && a->top1 < *min_accuracy) {
    c.status = CheckStatus::kFailed;
    c.message = fmt::format("top-1 {:.4f} is below the minimum {} ({} of {} rows right)", a->top1,
                            *min_accuracy, right, a->rows);
  }
  return c;
}

// Why the figures miss the thresholds of `o` ("" when they meet them).
std::string AgreementShortfall(const AgreementFigures& f, const ValidationOptions& o) {
  std::vector<std::string> why;
  if (o.min_agreement) {
    if (!f.top1_agreement) {
      why.push_back(
          fmt::format("a minimum top-1 agreement of {} is set but the first output "
                      "has no per-row arg-max to compare",
                      *o.min_agreement));
    } else if (*f.top1_agreement < *o.min_agreement) {
      why.push_back(fmt::format("top-1 agreement {:.4f} is below the minimum {}", *f.top1_agreement,
                                *o.min_agreement));
    }
  }
  if (o.max_abs_diff) {
    if (f.max_abs_diff > *o.max_abs_diff) {
      why.push_back(fmt::format("largest absolute difference {:.6g} is above the maximum {}",
                                f.max_abs_diff, *o.max_abs_diff));
    }
    if (f.nan_mismatches > 0) {
      why.push_back(
          fmt::format("{} elements are NaN in one model only (above any maximum "
                      "difference)",
                      f.nan_mismatches));
    }
  }
  return absl::StrJoin(why, "; ");
}

CheckResult AgreementCheck(const Model& against, const std::vector<CollectedOutput>& outputs,
                           const Dataset& data, const ValidationOptions& options) {
  const int64_t batch = options.data_batch;
  absl::StatusOr<std::vector<Tensor>> inputs = InputsFor(against, data);
  if (!inputs.ok()) {
    return Failed("agreement", absl::StrCat("the other model cannot take the data: ",
                                            inputs.status().message()));
  }
  absl::StatusOr<std::vector<CollectedOutput>> theirs =
      RunOverRows(against, *inputs, data.rows, batch);
  if (!theirs.ok()) {
    return Failed("agreement",
                  absl::StrCat("the other model failed on the data: ", theirs.status().message()));
  }
  absl::StatusOr<AgreementFigures> f = CompareOutputs(outputs, *theirs);
  if (!f.ok()) return Failed("agreement", std::string(f.status().message()));
  CheckResult c;
  c.name = "agreement";
  c.status = CheckStatus::kPassed;
  c.figures = {{"rows", static_cast<double>(f->rows)},
               {"outputs", static_cast<double>(f->outputs)},
               {"max_abs_diff", f->max_abs_diff},
               {"max_rel_diff", f->max_rel_diff},
               {"nan_mismatches", static_cast<double>(f->nan_mismatches)}};
  c.message =
      fmt::format("{} rows, {} outputs: largest difference {:.6g} absolute, {:.6g} relative",
                  f->rows, f->outputs, f->max_abs_diff, f->max_rel_diff);
  if (f->top1_agreement) {
    c.figures.emplace_back("top1_agreement", *f->top1_agreement);
    c.message += fmt::format(", top-1 agreement {:.4f}", *f->top1_agreement);
  }
  if (f->nan_mismatches > 0) c.message += fmt::format(", {} NaN in one only", f->nan_mismatches);
  if (options.min_agreement) c.figures.emplace_back("min_agreement", *options.min_agreement);
  if (options.max_abs_diff) c.figures.emplace_back("max_abs_diff_allowed", *options.max_abs_diff);
  const std::string shortfall = AgreementShortfall(*f, options);
  if (!shortfall.empty()) {
    c.status = CheckStatus::kFailed;
    c.message = absl::StrCat(shortfall, " (", c.message, ")");
  }
  return c;
}

// `batch` rows of each input, cycling through the data's rows.
std::vector<Tensor> CycleRows(const std::vector<Tensor>& inputs, int64_t rows, int64_t batch) {
  std::vector<Tensor> out;
  for (const Tensor& t : inputs) {
    engine::Shape shape = t.shape();
    shape[0] = batch;
    Tensor b(t.dtype(), shape);
    const size_t row_bytes = t.dim(0) == 0 ? 0 : t.byte_size() / t.dim(0);
    for (int64_t r = 0; r < batch; ++r) {
      std::memcpy(static_cast<char*>(b.raw_data()) + r * row_bytes,
                  static_cast<const char*>(t.raw_data()) + (r % rows) * row_bytes, row_bytes);
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

namespace {

// Every check, in order (Validate's contract; it then bounds the messages).
absl::StatusOr<ValidationReport> RunChecks(const ValidationRequest& request,
                                           const ValidationOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  if (request.data.max_rows < 1 || request.data.max_rows > kMaxRows) {
    return absl::InvalidArgumentError(
        absl::StrCat("rows ", request.data.max_rows, " is not within 1 to ", kMaxRows));
  }
  ValidationReport report;
  report.model = request.model;
  report.against = request.against;
  report.created_at = absl::Now();
  if ((options.min_agreement || options.max_abs_diff) && !request.against) {
    return absl::InvalidArgumentError(
        "an agreement threshold (min agreement, max absolute difference) needs a model to "
        "compare against");
  }
  report.options = {options.batch,      options.threads,       options.min_accuracy,
                    options.max_p99_ms, options.min_agreement, options.max_abs_diff};
  engine::ModelOptions model_options;
  model_options.intra_op_threads = options.threads;

  // First, while nothing ran here (a forked child needs that; an executed one does not): the
  // edge cases, in a child process.
  EdgeCaseOptions edge_options{model_options, options.largest_batch, options.seed,
                               options.edge_case_timeout_seconds, options.edge_case_command};
  CheckResult edge = EdgeCaseCheckIsolated(request.model_path, edge_options);

  std::unique_ptr<Model> model;
  CheckResult load = LoadCheck(request.model_path, model_options, options.seed, &model);
  std::unique_ptr<Model> against;
  if (request.against) {
    absl::StatusOr<std::unique_ptr<Model>> loaded =
        Model::LoadFromFile(request.against_path, model_options);
    if (!loaded.ok()) {
      return absl::Status(loaded.status().code(),
                          absl::StrCat("the model to compare against (", request.against->ref,
                                       ") does not load: ", loaded.status().message()));
    }
    against = std::move(*loaded);
  }
  report.checks.push_back(load);
  if (model == nullptr) {
    for (const char* name : {"signature", "accuracy", "agreement"}) {
      report.checks.push_back(Skipped(name, "the model did not load"));
    }
    report.checks.push_back(Skipped("edge_cases", "the model did not load"));
    report.checks.push_back(Skipped("latency", "the model did not load"));
    report.passed = false;
    return report;
  }
  report.checks.push_back(against ? SignatureCheck(*model, *against)
                                  : Skipped("signature", "no model to compare against"));

  Dataset data;
  std::vector<Tensor> inputs;
  std::vector<CollectedOutput> outputs;
  absl::Status ran_over_data = absl::OkStatus();
  if (!request.data.files.empty()) {
    ASSIGN_OR_RETURN(data, ReadValidationData(request.data, model->inputs()));
    ASSIGN_OR_RETURN(inputs, InputsFor(*model, data));
    absl::StatusOr<std::vector<CollectedOutput>> collected =
        RunOverRows(*model, inputs, data.rows, options.data_batch);
    if (collected.ok()) {
      outputs = std::move(*collected);
    } else {
      ran_over_data = collected.status();
    }
  }
  if (request.data.files.empty()) {
    report.checks.push_back(
        options.min_accuracy ? Failed("accuracy", "a minimum accuracy is set but no data is given")
                             : Skipped("accuracy", "no data given"));
    const bool thresholds = options.min_agreement || options.max_abs_diff;
    report.checks.push_back(
        !against     ? Skipped("agreement", "no model to compare against")
        : thresholds ? Failed("agreement", "an agreement threshold is set but no data is given")
                     : Skipped("agreement", "no data given"));
  } else if (!ran_over_data.ok()) {
    const std::string why = absl::StrCat("the model failed on the data: ", ran_over_data.message());
    report.checks.push_back(Failed("accuracy", why));
    report.checks.push_back(against ? Failed("agreement", why)
                                    : Skipped("agreement", "no model to compare against"));
  } else {
    report.checks.push_back(AccuracyCheck(outputs, data, options.min_accuracy, &report.accuracy));
    report.checks.push_back(against ? AgreementCheck(*against, outputs, data, options)
                                    : Skipped("agreement", "no model to compare against"));
  }
  report.checks.push_back(edge);

  LatencyOptions latency_options;
  const int64_t fixed = FixedBatch(model->inputs());
  latency_options.batch = fixed > 0 ? fixed : options.batch;
  latency_options.threads = options.threads;
  latency_options.max_p99_ms = options.max_p99_ms;
  latency_options.iterations = options.latency_iterations;
  latency_options.max_seconds = options.latency_max_seconds;
  std::vector<Tensor> timed;
  if (data.rows > 0 && !inputs.empty()) {
    timed = CycleRows(inputs, data.rows, latency_options.batch);
  } else {
    absl::StatusOr<std::vector<Tensor>> random =
        MakeRandomInputs(model->inputs(), latency_options.batch, options.seed);
    if (!random.ok()) {
      report.checks.push_back(Skipped("latency", absl::StrCat("no data, and no input can be made: ",
                                                              random.status().message())));
      report.passed = AllChecksPassed(report.checks);
      return report;
    }
    timed = std::move(*random);
  }
  report.checks.push_back(LatencyCheck(*model, timed, latency_options, &report.latency));
  report.passed = AllChecksPassed(report.checks);
  return report;
}

}  // namespace

absl::StatusOr<ValidationReport> Validate(const ValidationRequest& request,
                                          const ValidationOptions& options) {
  ASSIGN_OR_RETURN(ValidationReport report, RunChecks(request, options));
  for (CheckResult& c : report.checks) {
    if (c.message.size() > kMaxMessageBytes) {
      c.message.resize(kMaxMessageBytes);
      c.message += " ...";
    }
  }
  report.passed = AllChecksPassed(report.checks);
  report.created_at = absl::Now();  // when the checks were done
  return report;
}

}  // namespace berth::validation
