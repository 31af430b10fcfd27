// The string operators (default ONNX domain):
//   StringNormalizer  opsets 10-21  string
//   TfIdfVectorizer   opsets 9-21   int32, int64, string input; float output
//   RegexFullMatch    opsets 20-21  string input; bool output (std::regex, see its file)
//   StringConcat      opsets 20-21  string, broadcasting
//   StringSplit       opsets 20-21  string input; string and int64 outputs
#ifndef BERTH_ENGINE_KERNELS_TEXT_TEXT_KERNELS_H_
#define BERTH_ENGINE_KERNELS_TEXT_TEXT_KERNELS_H_

#include "absl/status/status.h"
#include "engine/kernels/registry.h"

namespace berth::engine {

absl::Status RegisterStringNormalizer(KernelRegistry& registry);  // string_normalizer.cc
absl::Status RegisterTfIdfVectorizer(KernelRegistry& registry);   // tfidf_vectorizer.cc
absl::Status RegisterRegexFullMatch(KernelRegistry& registry);    // regex_full_match.cc
absl::Status RegisterStringConcat(KernelRegistry& registry);      // string_concat.cc
absl::Status RegisterStringSplit(KernelRegistry& registry);       // string_split.cc

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_TEXT_TEXT_KERNELS_H_
