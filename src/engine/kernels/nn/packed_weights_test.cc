#include "engine/kernels/nn/packed_weights.h"

#include <vector>

#include "engine/kernels/dnnl_util.h"
#include "gtest/gtest.h"

namespace berth::engine {
namespace {

using tag = dnnl::memory::format_tag;

dnnl::memory::desc Desc(tag t) {
  return dnnl::memory::desc({16, 8, 3, 3}, dnnl::memory::data_type::f32, t);
}

// Element (o, i, h, w) of a [16, 8, 3, 3] tensor stored in format `t`.
float At(const PackedWeights& p, tag t, int o, int i, int h, int w) {
  dnnl::engine& engine = CpuEngine();
  dnnl::stream stream(engine);
  std::vector<float> plain(16 * 8 * 9);
  dnnl::memory from(Desc(t), engine, const_cast<void*>(p.storage.raw_data()));
  dnnl::memory to(Desc(tag::oihw), engine, plain.data());
  dnnl::reorder(from, to).execute(stream, from, to);
  stream.wait();
  return plain[((o * 8 + i) * 3 + h) * 3 + w];
}

TEST(PackedWeightsCacheTest, KeepsOnlyTheFormatsAskedFor) {
  std::vector<float> w(16 * 8 * 9);
  for (size_t k = 0; k < w.size(); ++k) w[k] = static_cast<float>(k);
  PackedWeightsCache cache;
  EXPECT_TRUE(cache.empty());
  ASSERT_TRUE(cache.Init(Desc(tag::oihw), w.data(), Desc(tag::ohwi)).ok());
  EXPECT_FALSE(cache.empty());
  dnnl::stream stream(CpuEngine());

  // The load-time guess (ohwi) was never asked for: it goes when another format is made,
  // and the new copy holds the same values.
  auto first = cache.Get(Desc(tag::hwio), stream);
  EXPECT_EQ(first->desc, Desc(tag::hwio));
  EXPECT_EQ(At(*first, tag::hwio, 5, 3, 2, 1), w[((5 * 8 + 3) * 3 + 2) * 3 + 1]);
  EXPECT_EQ(first.use_count(), 2);  // the cache and this caller: no other copy references it

  // A format asked for stays: the same copy comes back, and making a third keeps it.
  EXPECT_EQ(cache.Get(Desc(tag::hwio), stream), first);
  auto second = cache.Get(Desc(tag::ohwi), stream);
  EXPECT_NE(second, first);
  EXPECT_EQ(cache.Get(Desc(tag::hwio), stream), first);
  EXPECT_EQ(At(*second, tag::ohwi, 15, 7, 0, 2), w[((15 * 8 + 7) * 3 + 0) * 3 + 2]);
}

}  // namespace
}  // namespace berth::engine
