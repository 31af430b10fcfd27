// StringNormalizer (opset 10): drops stop words from a [C] or [1, C] string tensor, then
// optionally upper- or lowercases what remains.
//
// Case mapping is Unicode simple case mapping through the C library's wide-character tables for
// the `locale` attribute ("en_US" by default). When that locale is not installed, the always
// present C.UTF-8 locale is used: its mapping is the same for every language but Turkish and
// Azeri dotted/dotless i.
#include <locale.h>
#include <wctype.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/text/text_kernels.h"
#include "engine/kernels/text/utf8.h"

namespace berth::engine {
namespace {

enum class CaseChange { kNone, kLower, kUpper };

// Owns a C locale object; towlower_l/towupper_l with an explicit locale are thread-safe.
class CaseMapper {
 public:
  static std::unique_ptr<CaseMapper> Create(const std::string& name) {
    for (const std::string& candidate :
         {name + ".UTF-8", name + ".utf8", name, std::string("C.UTF-8")}) {
      if (candidate.empty()) continue;
      locale_t loc = newlocale(LC_CTYPE_MASK, candidate.c_str(), static_cast<locale_t>(0));
      if (loc != static_cast<locale_t>(0)) return std::unique_ptr<CaseMapper>(new CaseMapper(loc));
    }
    return nullptr;
  }
  ~CaseMapper() { freelocale(locale_); }

  // Maps `text` (UTF-8) into `out`; false when `text` is not valid UTF-8.
  bool Map(const std::string& text, CaseChange change, std::string* out) const {
    std::u32string code_points;
    if (!DecodeUtf8(text, &code_points)) return false;
    out->clear();
    for (char32_t c : code_points) {
      const wint_t w = static_cast<wint_t>(c);
      const wint_t mapped =
          change == CaseChange::kUpper ? towupper_l(w, locale_) : towlower_l(w, locale_);
      AppendUtf8(static_cast<char32_t>(mapped), out);
    }
    return true;
  }

 private:
  explicit CaseMapper(locale_t loc) : locale_(loc) {}
  locale_t locale_;
};

class StringNormalizerKernel : public Kernel {
 public:
  StringNormalizerKernel(std::string prefix, CaseChange change, bool case_sensitive,
                         absl::flat_hash_set<std::string> stopwords,
                         std::unique_ptr<CaseMapper> mapper)
      : prefix_(std::move(prefix)),
        change_(change),
        case_sensitive_(case_sensitive),
        stopwords_(std::move(stopwords)),
        mapper_(std::move(mapper)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return Error("input X is required");
    const bool row = x->rank() == 2;
    if (!(x->rank() == 1 || (row && x->dim(0) == 1))) {
      return Error(
          absl::StrCat("X must have shape [C] or [1, C], got ", ShapeToString(x->shape())));
    }
    std::vector<const std::string*> kept;
    kept.reserve(x->num_elements());
    std::string folded;
    for (const std::string& s : x->strings()) {
      if (!stopwords_.empty()) {
        const std::string* key = &s;
        if (!case_sensitive_) {
          if (!mapper_->Map(s, CaseChange::kLower, &folded)) return NotUtf8();
          key = &folded;
        }
        if (stopwords_.contains(*key)) continue;
      }
      kept.push_back(&s);
    }
    // An empty result is one empty string, as the operator specifies.
    const int64_t count = kept.empty() ? 1 : static_cast<int64_t>(kept.size());
    Shape shape = row ? Shape{1, count} : Shape{count};
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, shape));
    std::vector<std::string>& out = y->strings();
    out.resize(count);
    if (kept.empty()) {
      out[0].clear();
      return absl::OkStatus();
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      if (change_ == CaseChange::kNone) {
        out[i] = *kept[i];
      } else if (!mapper_->Map(*kept[i], change_, &out[i])) {
        return NotUtf8();
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, message));
  }
  absl::Status NotUtf8() const { return Error("input contains a string that is not valid UTF-8"); }

  std::string prefix_;
  CaseChange change_;
  bool case_sensitive_;
  absl::flat_hash_set<std::string> stopwords_;  // lowercased unless case_sensitive_
  std::unique_ptr<CaseMapper> mapper_;
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringNormalizer(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::string action, info.StringOr("case_change_action", "NONE"));
  CaseChange change;
  if (action == "NONE") {
    change = CaseChange::kNone;
  } else if (action == "LOWER") {
    change = CaseChange::kLower;
  } else if (action == "UPPER") {
    change = CaseChange::kUpper;
  } else {
    return info.Error(absl::StrCat("case_change_action must be NONE, LOWER or UPPER, not '",
                                   action, "'"));
  }
  ASSIGN_OR_RETURN(int64_t case_sensitive, info.IntOr("is_case_sensitive", 0));
  ASSIGN_OR_RETURN(std::vector<std::string> stopwords, info.StringsOr("stopwords", {}));
  ASSIGN_OR_RETURN(std::string locale, info.StringOr("locale", "en_US"));
  std::unique_ptr<CaseMapper> mapper = CaseMapper::Create(locale);
  if (mapper == nullptr) {
    return info.Error(absl::StrCat("neither locale '", locale, "' nor C.UTF-8 is available"));
  }
  absl::flat_hash_set<std::string> stops;
  for (const std::string& word : stopwords) {
    if (case_sensitive != 0) {
      stops.insert(word);
      continue;
    }
    std::string folded;
    if (!mapper->Map(word, CaseChange::kLower, &folded)) {
      return info.Error(absl::StrCat("stop word '", word, "' is not valid UTF-8"));
    }
    stops.insert(std::move(folded));
  }
  return std::make_unique<StringNormalizerKernel>(
      absl::StrCat("StringNormalizer node '", info.node().name, "': "), change,
      case_sensitive != 0, std::move(stops), std::move(mapper));
}

}  // namespace

absl::Status RegisterStringNormalizer(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "StringNormalizer",
                            .since_version = 10,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kString},
                            .factory = CreateStringNormalizer});
}

}  // namespace berth::engine
