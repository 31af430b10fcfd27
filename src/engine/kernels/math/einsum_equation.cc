#include "engine/kernels/math/einsum_equation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/kernels/math/math_util.h"

namespace berth::engine {
namespace {

int LetterLabel(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -2;
}

// Parses one term ("bij", "...ii"); `what` names it in errors.
absl::StatusOr<std::vector<int>> ParseTerm(absl::string_view label, absl::string_view term,
                                           absl::string_view what) {
  std::vector<int> out;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      if (term.substr(i, 3) != "..." || ellipsis) {
        return NodeError(label, absl::StrCat("bad ellipsis in ", what, " '", term, "'"));
      }
      ellipsis = true;
      out.push_back(kEllipsisMarker);
      i += 2;
      continue;
    }
    const int l = LetterLabel(term[i]);
    if (l < 0) {
      return NodeError(label, absl::StrCat("bad character '", std::string(1, term[i]), "' in ",
                                           what, " '", term, "'"));
    }
    out.push_back(l);
  }
  return out;
}

char LabelChar(int label) { return static_cast<char>(label < 26 ? 'a' + label : 'A' + label - 26); }

// Letters of sorted label order for the implicit output: ASCII order, as numpy sorts.
int AsciiRank(int label) { return label >= 26 ? label - 26 : label + 26; }

}  // namespace

absl::StatusOr<EinsumEquation> ParseEinsumEquation(absl::string_view label,
                                                   absl::string_view equation) {
  std::string eq;
  for (char c : equation) {
    if (c != ' ') eq.push_back(c);
  }
  EinsumEquation result;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    const std::string term = lhs.substr(start, comma == std::string::npos ? comma : comma - start);
    absl::StatusOr<std::vector<int>> parsed = ParseTerm(label, term, "input term");
    if (!parsed.ok()) return parsed.status();
    result.inputs.push_back(*std::move(parsed));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::vector<int> count(kNumLetterLabels, 0);
  bool any_ellipsis = false;
  for (const auto& term : result.inputs) {
    for (int l : term) {
      if (l == kEllipsisMarker) {
        any_ellipsis = true;
      } else {
        ++count[l];
      }
    }
  }
  if (arrow != std::string::npos) {
    result.explicit_output = true;
    absl::StatusOr<std::vector<int>> out = ParseTerm(label, eq.substr(arrow + 2), "output");
    if (!out.ok()) return out.status();
    result.output = *std::move(out);
    std::vector<bool> seen(kNumLetterLabels, false);
    for (int l : result.output) {
      if (l == kEllipsisMarker) continue;
      if (count[l] == 0 || seen[l]) {
        return NodeError(label, absl::StrCat("output label '", std::string(1, LabelChar(l)),
                                             "' is repeated or appears in no input"));
      }
      seen[l] = true;
    }
    return result;
  }
  if (any_ellipsis) result.output.push_back(kEllipsisMarker);
  std::vector<int> once;
  for (int l = 0; l < kNumLetterLabels; ++l) {
    if (count[l] == 1) once.push_back(l);
  }
  std::sort(once.begin(), once.end(), [](int a, int b) { return AsciiRank(a) < AsciiRank(b); });
  result.output.insert(result.output.end(), once.begin(), once.end());
  return result;
}

absl::StatusOr<EinsumProblem> ResolveEinsum(absl::string_view label, const EinsumEquation& eq,
                                            const std::vector<const Shape*>& shapes) {
  if (shapes.size() != eq.inputs.size()) {
    return NodeError(
        label, absl::StrCat("the equation has ", eq.inputs.size(), " input terms but the node has ",
                            shapes.size(), " inputs"));
  }
  // Dims covered by each input's ellipsis, and the widest.
  std::vector<int> ell_dims(shapes.size(), 0);
  int max_ell = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto& term = eq.inputs[i];
    const bool has_ell = std::count(term.begin(), term.end(), kEllipsisMarker) > 0;
    const int letters = static_cast<int>(term.size()) - (has_ell ? 1 : 0);
    const int rank = static_cast<int>(shapes[i]->size());
    if (has_ell ? rank < letters : rank != letters) {
      return NodeError(label, absl::StrCat("input ", i, " has rank ", rank, " but its term has ",
                                           letters, " labels", has_ell ? " and an ellipsis" : ""));
    }
    ell_dims[i] = rank - letters;
    max_ell = std::max(max_ell, ell_dims[i]);
  }
  EinsumProblem p;
  p.label_size.assign(kFirstEllipsisLabel + max_ell, -1);
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::vector<int>& labels = p.input_labels.emplace_back();
    for (int l : eq.inputs[i]) {
      if (l != kEllipsisMarker) {
        labels.push_back(l);
        continue;
      }
      for (int e = 0; e < ell_dims[i]; ++e) {
        labels.push_back(kFirstEllipsisLabel + max_ell - ell_dims[i] + e);
      }
    }
    for (size_t d = 0; d < labels.size(); ++d) {
      const int l = labels[d];
      const int64_t size = (*shapes[i])[d];
      int64_t& known = p.label_size[l];
      const bool ellipsis = l >= kFirstEllipsisLabel;
      if (known < 0 || (ellipsis && known == 1)) {
        known = size;
      } else if (known != size && !(ellipsis && size == 1)) {
        return NodeError(label, absl::StrCat("dimension ", d, " of input ", i, " has size ", size,
                                             " but the same label elsewhere has size ", known));
      }
    }
  }
  for (int l : eq.output) {
    if (l != kEllipsisMarker) {
      p.output_labels.push_back(l);
      continue;
    }
    for (int e = 0; e < max_ell; ++e) p.output_labels.push_back(kFirstEllipsisLabel + e);
  }
  return p;
}

}  // namespace berth::engine
