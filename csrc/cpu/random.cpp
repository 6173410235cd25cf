#include "cpu/random.h"

#include "core/thread_pool.h"
#include "ops/counter_rng.h"

namespace dagnet::cpu {

template <typename T>
void random_normal(const NormalParams& p, int64_t counter, T* out, int64_t n) {
  const uint64_t stream = rng_stream(p.seed, counter);
  parallel_for(n, 1 << 13, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      out[i] = static_cast<T>(p.mean + p.stddev * rng_normal(stream, static_cast<uint64_t>(i)));
  });
}

template void random_normal<float>(const NormalParams&, int64_t, float*, int64_t);
template void random_normal<double>(const NormalParams&, int64_t, double*, int64_t);

}  // namespace dagnet::cpu
