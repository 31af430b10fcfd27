// Helpers for the nn kernels that run oneDNN primitives: turning oneDNN's exceptions into
// Status, a thread-safe per-shape cache of prepared primitives, and carving several temporary
// buffers out of the one scratch buffer a KernelContext hands out.
#ifndef BERTH_ENGINE_KERNELS_NN_DNNL_HELPERS_H_
#define BERTH_ENGINE_KERNELS_NN_DNNL_HELPERS_H_

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "dnnl.hpp"
#include "engine/kernels/kernel.h"

namespace berth::engine {

// Runs `fn` (returning absl::Status) and converts any exception it throws (dnnl::error,
// std::bad_alloc, ...) into an Internal error naming `op`. No exception escapes.
template <typename Fn>
absl::Status RunCatching(const std::string& op, Fn&& fn) {
  try {
    return fn();
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat(op, ": oneDNN error: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(op, ": ", e.what()));
  }
}

// The key of a cached primitive: usually the input shape plus a few flags.
using ShapeKey = absl::InlinedVector<int64_t, 12>;

// A map from ShapeKey to an immutable prepared entry (primitive descriptors, primitives),
// shared by the threads that run one kernel. Entries are handed out as shared_ptr so that a
// run keeps its entry alive even if the cache is flushed meanwhile.
template <typename Entry>
class ShapeCache {
 public:
  // The entry for `key`, built with `make()` (returning StatusOr<std::unique_ptr<Entry>>) on
  // first use. `make` runs outside the lock; when two threads race, one result is kept.
  template <typename MakeFn>
  absl::StatusOr<std::shared_ptr<const Entry>> Get(const ShapeKey& key, MakeFn&& make) const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = map_.find(key);
      if (it != map_.end()) return it->second;
    }
    absl::StatusOr<std::unique_ptr<Entry>> made = make();
    if (!made.ok()) return made.status();
    std::shared_ptr<const Entry> entry(std::move(made).value());
    std::lock_guard<std::mutex> lock(mu_);
    // Unbounded growth under ever-changing shapes would leak; a flush is cheap to recover from.
    if (map_.size() >= kMaxEntries) map_.clear();
    auto [it, inserted] = map_.emplace(key, std::move(entry));
    return it->second;
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<ShapeKey, std::shared_ptr<const Entry>> map_;
};

// Lays out several 64-byte aligned regions in one scratch buffer:
//   ScratchPlan plan; size_t a = plan.Add(n1), b = plan.Add(n2);
//   char* base = ...ctx.Scratch(plan.total())...;  use base + a, base + b.
class ScratchPlan {
 public:
  size_t Add(size_t bytes) {
    size_t offset = total_;
    total_ += (bytes + 63) / 64 * 64;
    return offset;
  }
  size_t total() const { return total_; }

 private:
  size_t total_ = 0;
};

// ctx.Scratch(bytes) as a char*, failing with ResourceExhausted when it cannot be had.
absl::StatusOr<char*> GetScratch(KernelContext& ctx, size_t bytes, const std::string& op);

// A oneDNN memory over caller-owned data. oneDNN never writes a primitive's source, so the
// const_cast for inputs is safe.
inline dnnl::memory WrapMemory(const dnnl::memory::desc& md, dnnl::engine& engine,
                               const void* data) {
  return dnnl::memory(md, engine, const_cast<void*>(data));
}

}  // namespace berth::engine

#endif  // BERTH_ENGINE_KERNELS_NN_DNNL_HELPERS_H_
