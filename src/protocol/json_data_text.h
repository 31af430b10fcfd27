// The fast reader of infer requests' "data" values: instead of a RapidJSON value per element,
// the numbers are read from the request's text straight into the tensor (std::from_chars).
// It takes only what it fully understands and leaves everything else (strings, null, escaped
// or repeated keys, errors of any kind) to the DOM parse, so that every result and every
// error is the DOM parse's: json_request.cc falls back to it whenever a step here declines.
#ifndef BERTH_PROTOCOL_JSON_DATA_TEXT_H_
#define BERTH_PROTOCOL_JSON_DATA_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/core/tensor.h"

namespace berth::protocol {

// An input's "data" value as written in the request: numbers, true, false and arrays of them
// (the JSON grammar checked), nested arrays counted flat.
struct DataText {
  absl::string_view text;  // points into the request given to CutDataValues
  int64_t leaves = 0;
};

// A request with each input's "data" value replaced by [].
struct CutRequest {
  std::string text;
  std::vector<std::optional<DataText>> data;  // by index in "inputs"; nullopt: no "data"
};

// Finds the "data" member of every object in the top-level object's "inputs" array and cuts
// it out of the text. std::nullopt (read the request with the DOM alone) when there is none,
// or when any key of the top-level object or of an input object holds an escape, a key
// repeats, or a data value holds anything but numbers, true, false and arrays (or a number
// RapidJSON might refuse as too big, see SkipNumber in the .cc). The text
// outside the data values is not checked here: when the DOM parse accepts the cut text, the
// request is valid JSON (each data value cut was a valid JSON value) and its DOM is the cut
// text's with the data values put back.
std::optional<CutRequest> CutDataValues(absl::string_view json);

// Reads `data` into `t`, whose datatype is BOOL or a number type and whose element count is
// data.leaves. Returns false (t partly written) unless every element is exactly what the DOM
// parse would have stored for the same text (a number of the right kind and range for the
// datatype, or true/false for BOOL).
bool ReadDataText(const DataText& data, engine::Tensor& t);

}  // namespace berth::protocol

#endif  // BERTH_PROTOCOL_JSON_DATA_TEXT_H_
