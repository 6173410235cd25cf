#include "cpu/elementwise.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
constexpr int64_t kGrain = 1 << 15;
}

template <typename T>
void add_n(const std::vector<const T*>& inputs, T* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    const T* first = inputs[0];
    if (first != out) std::copy(first + b, first + e, out + b);
    for (size_t i = 1; i < inputs.size(); ++i) {
      const T* in = inputs[i];
      for (int64_t k = b; k < e; ++k) out[k] += in[k];
    }
  });
}

template <typename T>
void scale(const T* x, T factor, T* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) out[k] = x[k] * factor;
  });
}

template <typename T>
void fill(T* out, T value, int64_t n) {
  std::fill(out, out + n, value);
}

template <typename T>
void sum_rows(const T* x, int64_t rows, int64_t cols, T* out) {
  // Columns split across threads; each thread walks all rows for its columns so
  // the additions happen in a fixed order (deterministic for any thread count).
  parallel_for(cols, std::max<int64_t>(16, kGrain / std::max<int64_t>(1, rows)), [&](int64_t b, int64_t e) {
    std::fill(out + b, out + e, T(0));
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = x + r * cols;
      for (int64_t c = b; c < e; ++c) out[c] += row[c];
    }
  });
}

#define DAGNET_INSTANTIATE(T)                                        \
  template void add_n<T>(const std::vector<const T*>&, T*, int64_t); \
  template void scale<T>(const T*, T, T*, int64_t);                  \
  template void fill<T>(T*, T, int64_t);                             \
  template void sum_rows<T>(const T*, int64_t, int64_t, T*);
DAGNET_INSTANTIATE(float)
DAGNET_INSTANTIATE(double)
#undef DAGNET_INSTANTIATE
template void fill<int32_t>(int32_t*, int32_t, int64_t);
template void fill<int64_t>(int64_t*, int64_t, int64_t);

}  // namespace dagnet::cpu
