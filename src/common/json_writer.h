// A tiny streaming JSON writer: enough for the CLI's and the conformance runner's reports and
// the management API's bodies.
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("p50_ms").Double(1.25);
//   w.Key("inputs").BeginArray().String("x").EndArray();
//   w.EndObject();
//   std::string text = w.str();  // {"p50_ms":1.25,"inputs":["x"]}
//
// The writer inserts commas itself; callers only pair Begin/End and give a Key before each
// member of an object. It does not validate the nesting beyond that. Not thread-safe.
#ifndef BERTH_COMMON_JSON_WRITER_H_
#define BERTH_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

// `s` as a JSON string literal, quotes included. Control characters become \uXXXX; bytes
// that are not valid UTF-8 are replaced by U+FFFD so that the output always parses.
std::string JsonQuote(std::string_view s);
// JsonQuote(s) appended to `*out` (no temporary string).
void AppendJsonQuoted(std::string_view s, std::string* out);

class JsonWriter {
 public:
  // `indent` > 0 pretty-prints with that many spaces per level; 0 writes one line.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  // `json`, which must be one complete JSON value, written as it is.
  JsonWriter& Raw(std::string_view json);
  JsonWriter& Int(int64_t value);
  // Shortest representation that round-trips; NaN and infinities are written as null.
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // The value, or null when it is absent.
  JsonWriter& Int(const std::optional<int64_t>& value);
  JsonWriter& Double(const std::optional<double>& value);

  const std::string& str() const { return out_; }

 private:
  void BeforeValue();
  void Open(char bracket);
  void Close(char bracket);
  void NewLine();

  struct Level {
    bool empty = true;
  };
  int indent_;
  std::string out_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

}  // namespace berth

#endif  // BERTH_COMMON_JSON_WRITER_H_
