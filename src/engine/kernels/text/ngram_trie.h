// The n-gram pool of TfIdfVectorizer as a trie over tokens (int64 or string).
#ifndef BERTH_ENGINE_KERNELS_TEXT_NGRAM_TRIE_H_
#define BERTH_ENGINE_KERNELS_TEXT_NGRAM_TRIE_H_

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace berth::engine {

// Node 0 is the root. Every node may end a pool n-gram, identified by its 1-based position
// among the pool's n-grams (0: no n-gram ends here). Immutable once built, so lookups may run
// from several threads.
template <typename Token>
class NgramTrie {
 public:
  // The type lookups take: absl::string_view for string tokens, so that no key is copied.
  using TokenRef = std::conditional_t<std::is_same_v<Token, std::string>, absl::string_view, Token>;

  NgramTrie() : nodes_(1) {}

  // Adds the n-gram `tokens` with `id`; a repeated n-gram takes the later id.
  void Insert(absl::Span<const Token> tokens, int64_t id) {
    int32_t node = 0;
    for (const Token& token : tokens) {
      auto it = nodes_[node].children.find(TokenRef(token));
      if (it == nodes_[node].children.end()) {
        const int32_t child = static_cast<int32_t>(nodes_.size());
        nodes_[node].children.emplace(token, child);
        nodes_.emplace_back();
        node = child;
      } else {
        node = it->second;
      }
    }
    nodes_[node].id = id;
  }

  // The child of `node` for `token`, or -1.
  int32_t Child(int32_t node, TokenRef token) const {
    auto it = nodes_[node].children.find(token);
    return it == nodes_[node].children.end() ? -1 : it->second;
  }
  bool HasChildren(int32_t node) const { return !nodes_[node].children.empty(); }
  int64_t Id(int32_t node) const { return nodes_[node].id; }

 private:
  struct Node {
    int64_t id = 0;
    absl::flat_hash_map<Token, int32_t> children;
  };
  std::vector<Node> nodes_;
};

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_TEXT_NGRAM_TRIE_H_
