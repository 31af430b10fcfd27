// CSV datasets for tabular models (RFC 4180: comma-separated fields, records ended by CRLF or
// LF, the last one optionally unended; a field may be quoted with '"', inside which commas,
// line ends and doubled quotes ("") are literal). A UTF-8 byte order mark at the start is
// skipped.
//
// The first record is the header: it names the columns (names may be quoted; each must be
// non-empty, printable and unique). Every later record is one row of numbers: each field a
// bare decimal number (optional sign, digits, fraction, exponent). Refused, each naming the
// line and the column: a quoted or empty field, a value that is not a finite number (or, in an
// int64 label column, not an integer), a row with more or fewer fields than the header, and
// malformed quoting. Sizes are bounded (CsvLimits).
//
// Columns become tensors. By default every column except the label column forms one float
// tensor [rows, columns] named `default_input_name` (the caller passes the model's single input
// name); `inputs` picks named groups of columns instead. The label column, when the header has
// it, comes back as its own tensor [rows] named after the column, int64 (class indices) or
// float (regression targets).
#ifndef BERTH_DATASET_CSV_H_
#define BERTH_DATASET_CSV_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset/npz.h"

namespace berth::dataset {

struct CsvLimits {
  uint64_t max_bytes = uint64_t{1} << 30;
  int max_columns = 16384;
  int64_t max_rows = int64_t{1} << 24;
  int max_field_bytes = 4096;
};

// One float tensor [rows, columns.size()] made of the named columns, in this order.
struct CsvInput {
  std::string name;
  std::vector<std::string> columns;
};

enum class CsvLabelType { kInt64, kFloat };

struct CsvOptions {
  // Empty: one input named default_input_name of every column but the label column.
  // Otherwise exactly these inputs; a column may feed one input only, and columns no input
  // names (other than the label) are ignored.
  std::vector<CsvInput> inputs;
  std::string default_input_name = "input";
  // The label column's name; empty for none. A header without this column gives no label
  // tensor (unlabelled data).
  std::string label_column = "label";
  CsvLabelType label_type = CsvLabelType::kInt64;
  CsvLimits limits;
};

// Parses a whole CSV file held in `bytes`: the inputs in order, then the label tensor if any.
// InvalidArgument naming the line, the column and what is wrong (see the top of this file),
// or an option that does not fit the header (an unknown or reused column, a duplicate tensor
// name, an input with no columns); a file with no data rows is refused too.
absl::StatusOr<std::vector<NamedTensor>> ParseCsv(std::string_view bytes,
                                                  const CsvOptions& options = {});

}  // namespace berth::dataset

#endif  // BERTH_DATASET_CSV_H_
