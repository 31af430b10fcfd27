// libFuzzer target: arbitrary bytes through the CSV dataset reader (dataset/csv.h), as `berth
// profile --data FILE.csv` gets them. The first byte picks the options (label int64 or float,
// default input or two named inputs), the rest is the file. Any input must give tensors or an
// error, never a crash, a leak or undefined behaviour; tensors that parse must be consistent:
// every one with the same number of rows (at least one), inputs float [rows, columns], the
// label [rows].
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dataset/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  berth::dataset::CsvOptions options;
  options.limits.max_bytes = 1 << 20;
  options.limits.max_columns = 256;
  options.limits.max_rows = 4096;
  options.limits.max_field_bytes = 64;
  if (data[0] & 1) options.label_type = berth::dataset::CsvLabelType::kFloat;
  if (data[0] & 2) options.inputs = {{"first", {"a"}}, {"rest", {"c", "b"}}};
  if (data[0] & 4) options.label_column.clear();
  absl::StatusOr<std::vector<berth::dataset::NamedTensor>> tensors = berth::dataset::ParseCsv(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), options);
  if (!tensors.ok()) return 0;
  if (tensors->empty()) std::abort();
  const int64_t rows = tensors->front().tensor.dim(0);
  if (rows < 1) std::abort();
  for (const berth::dataset::NamedTensor& t : *tensors) {
    if (t.tensor.rank() < 1 || t.tensor.dim(0) != rows || t.name.empty()) std::abort();
  }
  return 0;
}
