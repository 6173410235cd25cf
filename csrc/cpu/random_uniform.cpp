#include "cpu/random_uniform.h"

#include "core/thread_pool.h"

namespace dagnet::cpu {

template <typename T>
void random_uniform(const UniformParams& p, int64_t counter, T* out, int64_t n) {
  const uint64_t stream = rng_stream(p.seed, counter);
  parallel_for(n, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = static_cast<T>(uniform_value(p, stream, static_cast<uint64_t>(i)));
  });
}

template void random_uniform<float>(const UniformParams&, int64_t, float*, int64_t);
template void random_uniform<double>(const UniformParams&, int64_t, double*, int64_t);

}  // namespace dagnet::cpu
