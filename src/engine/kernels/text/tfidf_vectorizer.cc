// TfIdfVectorizer (opset 9): counts the pool's n-grams (with up to max_skip_count skipped
// tokens between items) in each row of a [C] or [N, C] tensor of int32, int64 or strings, and
// weights the counts (TF, IDF or TFIDF).
//
// As in ONNX Runtime and the ONNX reference implementation, `weights` is indexed by output
// coordinate, and unigrams are counted once rather than once per skip distance.
#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/kernels/text/ngram_trie.h"
#include "engine/kernels/text/text_kernels.h"

namespace berth::engine {
namespace {

enum class Weighting { kTf, kIdf, kTfIdf };

struct TfIdfConfig {
  Weighting weighting = Weighting::kTf;
  int64_t min_gram = 1;
  int64_t max_gram = 1;
  int64_t max_skip = 0;
  std::vector<int64_t> ngram_indexes;  // pool n-gram id - 1 -> output coordinate
  std::vector<float> weights;          // by output coordinate; empty: all ones
  int64_t output_size = 0;
};

template <typename Token>
class TfIdfKernel : public Kernel {
 public:
  TfIdfKernel(std::string prefix, TfIdfConfig config, NgramTrie<Token> trie)
      : prefix_(std::move(prefix)), config_(std::move(config)), trie_(std::move(trie)) {}

  absl::Status Compute(KernelContext& ctx) const override {
    const Tensor* x = ctx.input(0);
    if (x == nullptr) return Error("input X is required");
    const bool string_tokens = std::is_same_v<Token, std::string>;
    if ((x->dtype() == DataType::kString) != string_tokens) {
      return Error(absl::StrCat("X has type ", DataTypeName(x->dtype()),
                                ", which does not match the pool"));
    }
    if (x->rank() > 2) {
      return Error(
          absl::StrCat("X must have shape [C] or [N, C], got ", ShapeToString(x->shape())));
    }
    const int64_t rows = x->rank() == 2 ? x->dim(0) : 1;
    const int64_t cols = x->rank() == 0 ? 1 : x->dim(x->rank() - 1);
    Shape shape = x->rank() == 2 ? Shape{rows, config_.output_size} : Shape{config_.output_size};
    ASSIGN_OR_RETURN(Tensor * y, ctx.Output(0, shape));
    float* out = y->data<float>();
    std::fill_n(out, y->num_elements(), 0.0f);
    const bool parallel = rows > 1 && rows * cols >= 4096;
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t row = 0; row < rows; ++row) {
      CountRow(*x, row * cols, cols, out + row * config_.output_size);
      Weigh(out + row * config_.output_size);
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(prefix_, message));
  }

  typename NgramTrie<Token>::TokenRef TokenAt(const Tensor& x, int64_t i) const {
    if constexpr (std::is_same_v<Token, std::string>) {
      return x.strings()[i];
    } else {
      return x.dtype() == DataType::kInt32 ? x.data<int32_t>()[i] : x.data<int64_t>()[i];
    }
  }

  void CountRow(const Tensor& x, int64_t begin, int64_t cols, float* counts) const {
    int64_t min_size = config_.min_gram;
    for (int64_t skip = 1; skip <= config_.max_skip + 1; ++skip) {
      for (int64_t start = 0; start < cols; ++start) {
        // No n-gram of the smallest wanted size fits from here on.
        if (start + skip * (min_size - 1) >= cols) break;
        int32_t node = 0;
        int64_t item = start;
        for (int64_t size = 1; size <= config_.max_gram && item < cols && trie_.HasChildren(node);
             ++size, item += skip) {
          node = trie_.Child(node, TokenAt(x, begin + item));
          if (node < 0) break;
          const int64_t id = trie_.Id(node);
          if (size >= min_size && id != 0) counts[config_.ngram_indexes[id - 1]] += 1.0f;
        }
      }
      // Unigrams do not depend on the skip distance: count them in the first pass only.
      if (min_size == 1) {
        min_size = 2;
        if (min_size > config_.max_gram) break;
      }
    }
  }

  void Weigh(float* row) const {
    const std::vector<float>& w = config_.weights;
    for (int64_t c = 0; c < config_.output_size; ++c) {
      const float weight = w.empty() ? 1.0f : w[c];
      switch (config_.weighting) {
        case Weighting::kTf:
          break;
        case Weighting::kIdf:
          row[c] = row[c] > 0 ? weight : 0.0f;
          break;
        case Weighting::kTfIdf:
          row[c] *= weight;
          break;
      }
    }
  }

  std::string prefix_;
  TfIdfConfig config_;
  NgramTrie<Token> trie_;
};

// Builds the trie from the pool: ngram_counts[g] is where the (g+1)-grams start. Ids count
// every pool n-gram, also those of sizes outside [min_gram, max_gram], which are not inserted.
template <typename Token>
absl::StatusOr<NgramTrie<Token>> BuildTrie(const KernelInfo& info, const std::vector<Token>& pool,
                                           const std::vector<int64_t>& ngram_counts,
                                           const TfIdfConfig& config) {
  NgramTrie<Token> trie;
  int64_t next_id = 1;
  const int64_t pool_size = static_cast<int64_t>(pool.size());
  for (size_t g = 0; g < ngram_counts.size(); ++g) {
    const int64_t n = static_cast<int64_t>(g) + 1;
    const int64_t begin = ngram_counts[g];
    const int64_t end = g + 1 < ngram_counts.size() ? ngram_counts[g + 1] : pool_size;
    if (begin < 0 || end < begin || end > pool_size) {
      return info.Error("ngram_counts must be non-decreasing offsets into the pool");
    }
    const int64_t count = (end - begin) / n;
    if (next_id - 1 + count > static_cast<int64_t>(config.ngram_indexes.size())) {
      return info.Error(absl::StrCat("ngram_indexes has ", config.ngram_indexes.size(),
                                     " entries but the pool has more n-grams"));
    }
    if (n < config.min_gram || n > config.max_gram) {
      next_id += count;
      continue;
    }
    for (int64_t k = 0; k < count; ++k) {
      trie.Insert(absl::MakeConstSpan(pool.data() + begin + k * n, n), next_id++);
    }
  }
  return trie;
}

absl::StatusOr<TfIdfConfig> ParseConfig(const KernelInfo& info) {
  TfIdfConfig config;
  ASSIGN_OR_RETURN(std::string mode, info.StringOr("mode", ""));
  if (mode == "TF") {
    config.weighting = Weighting::kTf;
  } else if (mode == "IDF") {
    config.weighting = Weighting::kIdf;
  } else if (mode == "TFIDF") {
    config.weighting = Weighting::kTfIdf;
  } else {
    return info.Error(absl::StrCat("mode must be TF, IDF or TFIDF, not '", mode, "'"));
  }
  ASSIGN_OR_RETURN(config.min_gram, info.RequiredInt("min_gram_length"));
  ASSIGN_OR_RETURN(config.max_gram, info.RequiredInt("max_gram_length"));
  ASSIGN_OR_RETURN(config.max_skip, info.RequiredInt("max_skip_count"));
  if (config.min_gram < 1 || config.max_gram < config.min_gram || config.max_skip < 0) {
    return info.Error(absl::StrCat("need 1 <= min_gram_length <= max_gram_length and ",
                                   "max_skip_count >= 0; got ", config.min_gram, ", ",
                                   config.max_gram, ", ", config.max_skip));
  }
  ASSIGN_OR_RETURN(config.ngram_indexes, info.RequiredInts("ngram_indexes"));
  if (config.ngram_indexes.empty()) return info.Error("ngram_indexes must not be empty");
  for (int64_t index : config.ngram_indexes) {
    if (index < 0) return info.Error("ngram_indexes must not be negative");
  }
  config.output_size =
      *std::max_element(config.ngram_indexes.begin(), config.ngram_indexes.end()) + 1;
  ASSIGN_OR_RETURN(config.weights, info.FloatsOr("weights", {}));
  if (!config.weights.empty() &&
      static_cast<int64_t>(config.weights.size()) < config.output_size) {
    return info.Error(absl::StrCat("weights has ", config.weights.size(),
                                   " values for an output of size ", config.output_size));
  }
  return config;
}

absl::StatusOr<std::unique_ptr<Kernel>> CreateTfIdfVectorizer(KernelInfo& info) {
  ASSIGN_OR_RETURN(TfIdfConfig config, ParseConfig(info));
  ASSIGN_OR_RETURN(std::vector<int64_t> ngram_counts, info.RequiredInts("ngram_counts"));
  ASSIGN_OR_RETURN(std::vector<int64_t> pool_ints, info.IntsOr("pool_int64s", {}));
  ASSIGN_OR_RETURN(std::vector<std::string> pool_strings, info.StringsOr("pool_strings", {}));
  if (pool_ints.empty() == pool_strings.empty()) {
    return info.Error("exactly one of pool_int64s and pool_strings must be set");
  }
  if (info.output_types().empty()) return info.Error("the node has no output");
  info.output_types()[0] = DataType::kFloat;
  std::string prefix = absl::StrCat("TfIdfVectorizer node '", info.node().name, "': ");
  const bool string_input = info.input_type(0) == DataType::kString;
  if (string_input != !pool_strings.empty()) {
    return info.Error(string_input ? "string input needs pool_strings"
                                   : "integer input needs pool_int64s");
  }
  if (string_input) {
    ASSIGN_OR_RETURN(NgramTrie<std::string> trie,
                     BuildTrie(info, pool_strings, ngram_counts, config));
    return std::make_unique<TfIdfKernel<std::string>>(std::move(prefix), std::move(config),
                                                      std::move(trie));
  }
  ASSIGN_OR_RETURN(NgramTrie<int64_t> trie, BuildTrie(info, pool_ints, ngram_counts, config));
  return std::make_unique<TfIdfKernel<int64_t>>(std::move(prefix), std::move(config),
                                                std::move(trie));
}

}  // namespace

absl::Status RegisterTfIdfVectorizer(KernelRegistry& registry) {
  return registry.Register({.domain = "",
                            .op_type = "TfIdfVectorizer",
                            .since_version = 9,
                            .end_version = 21,
                            .type_input = 0,
                            .types = {DataType::kInt32, DataType::kInt64, DataType::kString},
                            .factory = CreateTfIdfVectorizer});
}

}  // namespace berth::engine
