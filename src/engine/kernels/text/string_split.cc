// StringSplit (opset 20): splits every string on `delimiter` (or on runs of whitespace when the
// delimiter is unset or empty), at most `maxsplit` times, as Python's str.split does. Y has one
// more dimension than X, padded with empty strings; Z (int64) holds the number of parts.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/text/text_kernels.h"

namespace berth::engine {
namespace {

// Byte length of the whitespace character starting at s[i] (Python's str.isspace set, in
// UTF-8), or 0.
size_t WhitespaceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  const unsigned char c = byte(0);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return 1;
  if (c == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0)) return 2;
  if (c == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80) return 3;  // U+1680
  if (c == 0xE2 && byte(1) == 0x80) {
    const unsigned char d = byte(2);
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;
  }
  if (c == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;  // U+3000
  return 0;
}

// Calls emit(part) for each part of `s` and returns their number. maxsplit < 0: no limit.
template <typename Emit>
int64_t Split(std::string_view s, std::string_view delimiter, int64_t maxsplit, Emit emit) {
  int64_t parts = 0;
  if (!delimiter.empty()) {
    size_t start = 0;
    while (maxsplit < 0 || parts < maxsplit) {
      const size_t found = s.find(delimiter, start);
      if (found == std::string_view::npos) break;
      emit(s.substr(start, found - start));
      ++parts;
      start = found + delimiter.size();
    }
    emit(s.substr(start));
    return parts + 1;
  }
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size()) {
      const size_t n = WhitespaceLength(s, i);
      if (n == 0) break;
      i += n;
    }
  };
  skip_space();
  while (i < s.size()) {
    if (maxsplit >= 0 && parts == maxsplit) {
      // The remainder is kept whole, trailing whitespace included.
      emit(s.substr(i));
      return parts + 1;
    }
    const size_t start = i;
    while (i < s.size() && WhitespaceLength(s, i) == 0) ++i;
    emit(s.substr(start, i - start));
    ++parts;
    skip_space();
  }
  return parts;
}

class StringSplitKernel : public Kernel {
 public:
  StringSplitKernel(std::string prefix, std::string delimiter, int64_t maxsplit)
      : prefix_(std::move(prefix)), delimiter_(std::move(delimiter)), maxsplit_(maxsplit) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr || x->dtype() != DataType::kString) {
      return absl::InvalidArgumentError(absl::StrCat(prefix_, "X must be a string tensor"));
    }
    const std::vector<std::string>& in = x->strings();
    const int64_t n = x->num_elements();
    int64_t width = 0;
    for (int64_t i = 0; i < n; ++i) {
      width = std::max(width, Split(in[i], delimiter_, maxsplit_, [](std::string_view) {}));
    }
    Shape y_shape = x->shape();
    y_shape.push_back(width);
    Tensor* y = nullptr;
    Tensor* z = nullptr;
    if (ctx.output_wanted(0)) {
      ASSIGN_OR_RETURN(y, ctx.Output(0, y_shape));
    }
    if (ctx.output_wanted(1)) {
      ASSIGN_OR_RETURN(z, ctx.Output(1, x->shape()));
    }
    for (int64_t i = 0; i < n; ++i) {
      std::string* row = y != nullptr ? y->strings().data() + i * width : nullptr;
      int64_t k = 0;
      const int64_t parts = Split(in[i], delimiter_, maxsplit_, [&](std::string_view part) {
        if (row != nullptr) row[k++].assign(part);
      });
      if (row != nullptr) {
        for (; k < width; ++k) row[k].clear();
      }
      if (z != nullptr) z->data<int64_t>()[i] = parts;
    }
    return absl::OkStatus();
  }

 private:
  std::string prefix_;
  std::string delimiter_;  // empty: split on whitespace runs
  int64_t maxsplit_;       // < 0: no limit
};

absl::StatusOr<std::unique_ptr<Kernel>> CreateStringSplit(KernelInfo& info) {
  ASSIGN_OR_RETURN(std::string delimiter, info.StringOr("delimiter", ""));
  ASSIGN_OR_RETURN(int64_t maxsplit, info.IntOr("maxsplit", -1));
  if (info.output_types().size() >= 2) info.output_types()[1] = DataType::kInt64;
  return std::make_unique<StringSplitKernel>(
      absl::StrCat("StringSplit node '", info.node().name, "': "), std::move(delimiter),
      maxsplit);
}

}  // namespace

absl::Status RegisterStringSplit(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "StringSplit",
                            .since_version = 20,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kString},
                            .factory = CreateStringSplit});
}

}  // namespace berth::engine
