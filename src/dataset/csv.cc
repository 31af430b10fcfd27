#include "dataset/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace berth::dataset {
namespace {

using engine::DataType;
using engine::Tensor;

struct Field {
  std::string text;
  bool quoted = false;
};

// Splits RFC 4180 text into records of fields, one record per Next(), bounding field sizes
// and counts. Errors name the line (1-based, counting line ends inside quoted fields too).
class RecordReader {
 public:
  RecordReader(std::string_view text, const CsvLimits& limits) : in_(text), limits_(limits) {}

  // The next record into `fields`: true, or false at the end of the text.
  absl::StatusOr<bool> Next(std::vector<Field>& fields) {
    fields.clear();
    if (pos_ >= in_.size()) return false;
    record_line_ = line_;
    while (true) {
      if (static_cast<int>(fields.size()) >= limits_.max_columns) {
        return Error(absl::StrCat("more than ", limits_.max_columns, " fields"));
      }
      fields.emplace_back();
      RETURN_IF_ERROR(ReadField(fields.back(), static_cast<int>(fields.size())));
      if (pos_ >= in_.size()) return true;
      const char c = in_[pos_++];
      if (c == ',') continue;
      if (c == '\r') {
        if (pos_ >= in_.size() || in_[pos_] != '\n') {
          return Error("a carriage return not followed by a line feed");
        }
        ++pos_;
      }
      ++line_;  // c was '\n' or the CRLF's '\n' has just been consumed
      return true;
    }
  }

  // The line the record last returned by Next() began on.
  int64_t record_line() const { return record_line_; }

 private:
  static bool EndsField(char c) { return c == ',' || c == '\n' || c == '\r'; }

  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat("line ", line_, ": ", what));
  }

  absl::Status Append(Field& field, char c, int column) const {
    if (static_cast<int>(field.text.size()) >= limits_.max_field_bytes) {
      return Error(
          absl::StrCat("field ", column, " is longer than ", limits_.max_field_bytes, " bytes"));
    }
    field.text.push_back(c);
    return absl::OkStatus();
  }

  // One field, leaving pos_ on the character that ends it (or at the end of the text).
  absl::Status ReadField(Field& field, int column) {
    if (pos_ < in_.size() && in_[pos_] == '"') return ReadQuoted(field, column);
    while (pos_ < in_.size() && !EndsField(in_[pos_])) {
      if (in_[pos_] == '"') {
        return Error(absl::StrCat("field ", column,
                                  ": a quote inside an unquoted field (quote the whole field and "
                                  "double the quotes in it)"));
      }
      RETURN_IF_ERROR(Append(field, in_[pos_++], column));
    }
    return absl::OkStatus();
  }

  absl::Status ReadQuoted(Field& field, int column) {
    const int64_t opened_on = line_;
    field.quoted = true;
    ++pos_;
    while (true) {
      if (pos_ >= in_.size()) {
        return absl::InvalidArgumentError(absl::StrCat("line ", opened_on, ": field ", column,
                                                       " opens a quote that is never closed"));
      }
      const char c = in_[pos_++];
      if (c == '"') {
        if (pos_ < in_.size() && in_[pos_] == '"') {
          ++pos_;
        } else {
          break;
        }
      } else if (c == '\n') {
        ++line_;
      }
      RETURN_IF_ERROR(Append(field, c, column));
    }
    if (pos_ < in_.size() && !EndsField(in_[pos_])) {
      return Error(absl::StrCat("field ", column, ": text after the closing quote"));
    }
    return absl::OkStatus();
  }

  std::string_view in_;
  const CsvLimits& limits_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  int64_t record_line_ = 1;
};

// Only what a bare decimal number can hold: no spaces, no words (nan, inf), no hex.
bool IsDecimalText(std::string_view s) {
  for (char c : s) {
    const bool ok =
        (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
    if (!ok) return false;
  }
  return !s.empty();
}

std::string_view WithoutPlus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

std::optional<float> ParseFloat(std::string_view s) {
  if (!IsDecimalText(s)) return std::nullopt;
  s = WithoutPlus(s);
  double value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (!std::isfinite(value) || std::fabs(value) > std::numeric_limits<float>::max()) {
    return std::nullopt;
  }
  return static_cast<float>(value);
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  s = WithoutPlus(s);
  int64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Where each column goes: an input (and its position there), the label, or nowhere.
struct ColumnPlan {
  std::vector<std::string> names;        // the header
  std::vector<int> input_of;             // per column: input index, or -1
  std::vector<int> position;             // per column: its place in that input
  std::vector<std::string> input_names;  // per input
  std::vector<int> input_width;          // per input: its number of columns
  int label = -1;                        // the label column, or -1
};

absl::Status CheckHeader(const std::vector<Field>& header) {
  std::map<std::string_view, int> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& name = header[i].text;
    const std::string where = absl::StrCat("line 1 (the header), column ", i + 1, ": ");
    if (name.empty()) return absl::InvalidArgumentError(where + "an empty column name");
    for (unsigned char c : name) {
      if (c < 0x20 || c == 0x7f) {
        return absl::InvalidArgumentError(where + "a column name with a control character");
      }
    }
    auto [it, added] = seen.emplace(name, static_cast<int>(i) + 1);
    if (!added) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "column '", name, "' is named twice (also column ", it->second, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ColumnPlan> PlanColumns(const std::vector<Field>& header,
                                       const CsvOptions& options) {
  RETURN_IF_ERROR(CheckHeader(header));
  ColumnPlan plan;
  std::map<std::string, int> index;
  for (const Field& f : header) {
    index.emplace(f.text, static_cast<int>(plan.names.size()));
    plan.names.push_back(f.text);
  }
  const int columns = static_cast<int>(header.size());
  plan.input_of.assign(columns, -1);
  plan.position.assign(columns, -1);
  if (!options.label_column.empty()) {
    auto it = index.find(options.label_column);
    if (it != index.end()) plan.label = it->second;
  }
  std::vector<CsvInput> inputs = options.inputs;
  if (inputs.empty()) {
    CsvInput all{options.default_input_name, {}};
    for (int c = 0; c < columns; ++c) {
      if (c != plan.label) all.columns.push_back(plan.names[c]);
    }
    if (all.columns.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the header has no column besides the label column '", options.label_column, "'"));
    }
    inputs.push_back(std::move(all));
  }
  std::map<std::string, int> tensor_names;
  if (plan.label >= 0) tensor_names.emplace(plan.names[plan.label], -1);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const CsvInput& in = inputs[i];
    if (in.name.empty()) return absl::InvalidArgumentError("a CSV input with an empty name");
    if (!tensor_names.emplace(in.name, static_cast<int>(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor name '", in.name, "' is used twice (inputs and label)"));
    }
    if (in.columns.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("CSV input '", in.name, "' has no columns"));
    }
    for (size_t p = 0; p < in.columns.size(); ++p) {
      auto it = index.find(in.columns[p]);
      if (it == index.end()) {
        return absl::InvalidArgumentError(absl::StrCat("column '", in.columns[p], "' of input '",
                                                       in.name, "' is not in the header"));
      }
      const int c = it->second;
      if (c == plan.label) {
        return absl::InvalidArgumentError(absl::StrCat("column '", in.columns[p],
                                                       "' is the label column; input '", in.name,
                                                       "' cannot use it"));
      }
      if (plan.input_of[c] >= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("column '", in.columns[p], "' is used by two inputs ('",
                         inputs[plan.input_of[c]].name, "' and '", in.name, "')"));
      }
      plan.input_of[c] = static_cast<int>(i);
      plan.position[c] = static_cast<int>(p);
    }
    plan.input_names.push_back(in.name);
    plan.input_width.push_back(static_cast<int>(in.columns.size()));
  }
  return plan;
}

// The rows read so far, per input and for the label.
struct Columns {
  std::vector<std::vector<float>> inputs;
  std::vector<int64_t> int_labels;
  std::vector<float> float_labels;
};

absl::Status AddRow(const ColumnPlan& plan, const std::vector<Field>& fields, int64_t line,
                    CsvLabelType label_type, Columns& out) {
  if (fields.size() != plan.names.size()) {
    if (fields.size() == 1 && fields[0].text.empty() && !fields[0].quoted) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line, ": an empty line"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("line ", line, ": ", fields.size(), fields.size() == 1 ? " field" : " fields",
                     " but the header has ", plan.names.size(), " columns"));
  }
  for (size_t c = 0; c < fields.size(); ++c) {
    const int input = plan.input_of[c];
    const bool is_label = static_cast<int>(c) == plan.label;
    if (input < 0 && !is_label) continue;
    const Field& f = fields[c];
    auto error = [&](const std::string& what) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line, ", column '", plan.names[c], "' (", c + 1, "): ", what));
    };
    if (f.quoted) return error("a quoted value (data values must be bare numbers)");
    if (f.text.empty()) return error("an empty value");
    if (is_label && label_type == CsvLabelType::kInt64) {
      std::optional<int64_t> v = ParseInt64(f.text);
      if (!v)
        return error(
            absl::StrCat("'", absl::CHexEscape(f.text), "' is not an integer class label"));
      out.int_labels.push_back(*v);
      continue;
    }
    std::optional<float> v = ParseFloat(f.text);
    if (!v)
      return error(
          absl::StrCat("'", absl::CHexEscape(f.text), "' is not a finite number in float range"));
    if (is_label) {
      out.float_labels.push_back(*v);
    } else {
      out.inputs[input].push_back(*v);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<NamedTensor>> ParseCsv(std::string_view bytes,
                                                  const CsvOptions& options) {
  const CsvLimits& limits = options.limits;
  if (bytes.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the CSV file is larger than ", limits.max_bytes, " bytes"));
  }
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  RecordReader reader(bytes, limits);
  std::vector<Field> fields;
  ASSIGN_OR_RETURN(bool has_header, reader.Next(fields));
  if (!has_header) return absl::InvalidArgumentError("the CSV file is empty (no header row)");
  ASSIGN_OR_RETURN(ColumnPlan plan, PlanColumns(fields, options));
  Columns columns;
  columns.inputs.resize(plan.input_names.size());
  int64_t rows = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.Next(fields));
    if (!more) break;
    if (++rows > limits.max_rows) {
      return absl::InvalidArgumentError(
          absl::StrCat("the CSV file has more than ", limits.max_rows, " data rows"));
    }
    RETURN_IF_ERROR(AddRow(plan, fields, reader.record_line(), options.label_type, columns));
  }
  if (rows == 0) return absl::InvalidArgumentError("the CSV file has a header but no data rows");
  std::vector<NamedTensor> tensors;
  for (size_t i = 0; i < plan.input_names.size(); ++i) {
    Tensor t(DataType::kFloat, {rows, plan.input_width[i]});
    // Fields arrive in header order; place each at its position within the input.
    const std::vector<float>& values = columns.inputs[i];
    std::vector<int> header_order;  // positions in the order AddRow pushed them
    for (size_t c = 0; c < plan.names.size(); ++c) {
      if (plan.input_of[c] == static_cast<int>(i)) header_order.push_back(plan.position[c]);
    }
    const int width = plan.input_width[i];
    float* out = t.data<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int k = 0; k < width; ++k) out[r * width + header_order[k]] = values[r * width + k];
    }
    tensors.push_back({plan.input_names[i], std::move(t)});
  }
  if (plan.label >= 0) {
    const bool ints = options.label_type == CsvLabelType::kInt64;
    Tensor t(ints ? DataType::kInt64 : DataType::kFloat, {rows});
    if (ints) {
      std::copy(columns.int_labels.begin(), columns.int_labels.end(), t.data<int64_t>());
    } else {
      std::copy(columns.float_labels.begin(), columns.float_labels.end(), t.data<float>());
    }
    tensors.push_back({plan.names[plan.label], std::move(t)});
  }
  return tensors;
}

}  // namespace berth::dataset
