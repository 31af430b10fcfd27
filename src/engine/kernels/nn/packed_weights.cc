#include "engine/kernels/nn/packed_weights.h"

#include <new>

#include "engine/kernels/dnnl_util.h"
#include "engine/kernels/nn/dnnl_helpers.h"

namespace berth::engine {
namespace {

// Reorders `from` into a fresh copy in format `md`. Throws on failure.
std::shared_ptr<PackedWeights> Reorder(const dnnl::memory::desc& from_md, const void* from_data,
                                       const dnnl::memory::desc& md, dnnl::stream& stream) {
  auto packed = std::make_shared<PackedWeights>();
  packed->desc = md;
  if (!packed->storage.Reshape(DataType::kUint8, {static_cast<int64_t>(md.get_size())}).ok()) {
    throw std::bad_alloc();
  }
  dnnl::engine engine = stream.get_engine();
  dnnl::memory from = WrapMemory(from_md, engine, from_data);
  dnnl::memory to(md, engine, packed->storage.raw_data());
  dnnl::reorder(from, to).execute(stream, from, to);
  stream.wait();
  return packed;
}

}  // namespace

absl::Status PackedWeightsCache::Init(const dnnl::memory::desc& plain, const void* data,
                                      const dnnl::memory::desc& first) {
  return RunCatching("weights packing", [&]() -> absl::Status {
    dnnl::stream stream(CpuEngine());
    std::shared_ptr<PackedWeights> packed = Reorder(plain, data, first, stream);
    std::lock_guard<std::mutex> lock(mu_);
    copies_.assign(1, Copy{std::move(packed), false});
    return absl::OkStatus();
  });
}

bool PackedWeightsCache::empty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return copies_.empty();
}

std::shared_ptr<const PackedWeights> PackedWeightsCache::Get(const dnnl::memory::desc& md,
                                                             dnnl::stream& stream) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (Copy& copy : copies_) {
    if (copy.weights->desc == md) {
      copy.requested = true;
      return copy.weights;
    }
  }
  const PackedWeights& source = *copies_.front().weights;
  Copy fresh{Reorder(source.desc, source.storage.raw_data(), md, stream), true};
  std::erase_if(copies_, [](const Copy& copy) { return !copy.requested; });
  copies_.push_back(std::move(fresh));
  return copies_.back().weights;
}

}  // namespace berth::engine
