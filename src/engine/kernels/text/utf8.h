// UTF-8 decoding and encoding for the string kernels.
#ifndef BERTH_ENGINE_KERNELS_TEXT_UTF8_H_
#define BERTH_ENGINE_KERNELS_TEXT_UTF8_H_

#include <string>
#include <string_view>

namespace berth::engine {

// Decodes `text` into code points, replacing the contents of `out`. Returns false (leaving
// `out` unspecified) on malformed input: bad or truncated sequences, overlong forms, surrogates
// and values above U+10FFFF.
bool DecodeUtf8(std::string_view text, std::u32string* out);

// Appends the UTF-8 encoding of `code_point` (which must be a valid scalar value) to `out`.
void AppendUtf8(char32_t code_point, std::string* out);

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_TEXT_UTF8_H_
