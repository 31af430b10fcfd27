// RegexFullMatch (opset 20): whether each string matches `pattern` as a whole.
//
// ONNX specifies RE2 syntax; this kernel uses std::regex's ECMAScript grammar, which agrees with
// RE2 on the common constructs (classes, \d \w \s \b, alternation, groups, bounded repeats,
// non-greedy and non-capturing forms). A leading "(?i)" (RE2's case-insensitive flag) is
// honoured. Not supported: other inline flags, named groups "(?P<name>...)", \p{...} classes,
// and UTF-8 aware '.' (matching is byte-wise). Unsupported syntax fails at load.
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/text/text_kernels.h"

namespace berth::engine {
namespace {

class RegexFullMatchKernel : public Kernel {
 public:
  RegexFullMatchKernel(std::string prefix, std::regex regex)
      : prefix_(std::move(prefix)), regex_(std::move(regex)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr || x->dtype() != DataType::kString) {
      return absl::InvalidArgumentError(absl::StrCat(prefix_, "X must be a string tensor"));
    }
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, x->shape()));
    bool* out = y->data<bool>();
    const std::vector<std::string>& in = x->strings();
    try {
      for (int64_t i = 0; i < x->num_elements(); ++i) {
        out[i] = std::regex_match(in[i], regex_);
      }
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(absl::StrCat(prefix_, "matching failed: ", e.what()));
    }
    return absl::OkStatus();
  }

 private:
  std::string prefix_;
  std::regex regex_;  // matching through a const regex is thread-safe
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateRegexFullMatch(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::string pattern, info.StringOr("pattern", ""));
  if (!info.HasAttribute("pattern")) return info.Error("attribute 'pattern' is required");
  // std::regex compiles recursively over the pattern; bound it so a hostile model cannot
  // exhaust the stack at load.
  constexpr size_t kMaxPatternLength = 4096;
  if (pattern.size() > kMaxPatternLength) {
    return info.Error(absl::StrCat("pattern is longer than ", kMaxPatternLength, " characters"));
  }
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  if (absl::StartsWith(pattern, "(?i)")) {
    pattern = pattern.substr(4);
    flags |= std::regex::icase;
  }
  // libstdc++'s __polynomial selects the breadth-first (Thompson NFA) matcher: its recursion
  // depth is bounded by the pattern, not by the input, so long strings cannot overflow the
  // stack. It rejects back-references, which RE2 does not have either.
  flags |= std::regex_constants::__polynomial;
  std::regex regex;
  try {
    regex = std::regex(pattern, flags);
  } catch (const std::regex_error& e) {
    return info.Error(absl::StrCat("invalid or unsupported pattern '", pattern, "': ", e.what()));
  }
  if (info.output_types().empty()) return info.Error("the node has no output");
  info.output_types()[0] = DataType::kBool;
  return std::make_unique<RegexFullMatchKernel>(
      absl::StrCat("RegexFullMatch node '", info.node().name, "': "), std::move(regex));
}

}  // namespace

absl::Status RegisterRegexFullMatch(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "RegexFullMatch",
                            .since_version = 20,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kString},
                            .factory = CreateRegexFullMatch});
}

}  // namespace berth::engine
