// The JSON parse of an infer request the size of resnet50's input (1x3x224x224 FP32, 150528
// numbers, written as Python's json.dumps writes floats), by ParseInferRequestJson (with the
// fast reader of "data" values) and by ParseInferRequestJsonDom (every element a RapidJSON
// value), interleaved A/B. Prints each round's medians and the median of the rounds, in ms.
//
//   json_infer_bench [ROUNDS] [ITERATIONS_PER_ROUND]
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "protocol/json_codec.h"

namespace {

using berth::protocol::InferRequest;
using berth::protocol::RequestLimits;

// Python's repr() of a double: the shortest digits, fixed notation for decimal exponents in
// [-4, 16), else d.ddde+XX.
std::string PythonRepr(double x) {
  char buf[64];
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  const std::string sci(buf, r.ptr);
  const size_t e = sci.find('e');
  const bool negative = sci[0] == '-';
  std::string digits = sci.substr(negative ? 1 : 0, e - (negative ? 1 : 0));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int decpt = std::atoi(sci.c_str() + e + 1) + 1;
  if (decpt <= -4 || decpt > 16) return sci;
  std::string out = negative ? "-" : "";
  const int n = static_cast<int>(digits.size());
  if (decpt <= 0) {
    out += "0." + std::string(-decpt, '0') + digits;
  } else if (decpt >= n) {
    out += digits + std::string(decpt - n, '0') + ".0";
  } else {
    out += digits.substr(0, decpt) + "." + digits.substr(decpt);
  }
  return out;
}

// {"inputs":[{"name":"input","shape":[1,3,224,224],"datatype":"FP32","data":[...]}]}, as
// server_bench.py's json_infer_body writes it (uniform [0, 1) float32 values).
std::string ResnetRequest() {
  std::mt19937 rng(12345);
  std::string json =
      R"({"inputs":[{"name":"input","shape":[1,3,224,224],"datatype":"FP32","data":[)";
  for (int i = 0; i < 3 * 224 * 224; ++i) {
    const float v = static_cast<float>(rng() >> 8) * (1.0f / 16777216.0f);
    if (i > 0) json += ',';
    json += PythonRepr(v);
  }
  json += "]}]}";
  return json;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

using Parser = absl::StatusOr<InferRequest> (*)(absl::string_view, absl::string_view,
                                                const RequestLimits&);

// The median time of `iterations` parses, in ms.
double TimeParses(Parser parse, const std::string& json, int iterations) {
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<InferRequest> r = parse(json, "", RequestLimits());
    const auto end = std::chrono::steady_clock::now();
    if (!r.ok()) {
      std::fprintf(stderr, "parse failed: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  return Median(ms);
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 15;
  const std::string json = ResnetRequest();
  absl::StatusOr<InferRequest> fast = berth::protocol::ParseInferRequestJson(json, "", {});
  absl::StatusOr<InferRequest> dom = berth::protocol::ParseInferRequestJsonDom(json, "", {});
  if (!fast.ok() || !dom.ok() ||
      std::memcmp(fast->inputs[0].tensor.raw_data(), dom->inputs[0].tensor.raw_data(),
                  dom->inputs[0].tensor.byte_size()) != 0) {
    std::fprintf(stderr, "the two parses disagree\n");
    return 1;
  }
  std::printf("request: %zu bytes, 150528 FP32 values; %d rounds of %d parses each\n", json.size(),
              rounds, iterations);
  std::vector<double> fast_ms, dom_ms;
  for (int r = 0; r < rounds; ++r) {
    const bool fast_first = r % 2 == 0;
    for (int k = 0; k < 2; ++k) {
      const bool is_fast = (k == 0) == fast_first;
      const double ms = TimeParses(is_fast ? berth::protocol::ParseInferRequestJson
                                           : berth::protocol::ParseInferRequestJsonDom,
                                   json, iterations);
      (is_fast ? fast_ms : dom_ms).push_back(ms);
    }
    std::printf("round %d: fast %.2f ms, dom %.2f ms\n", r + 1, fast_ms.back(), dom_ms.back());
  }
  std::printf("median of rounds: fast %.2f ms, dom %.2f ms (%.1fx)\n", Median(fast_ms),
              Median(dom_ms), Median(dom_ms) / Median(fast_ms));
  return 0;
}
