#include "cpu/embedding.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"

namespace dagnet::cpu {

template <typename T>
void embedding_gather(const T* table, const int64_t* indices, int64_t count, int64_t dim, T* out) {
  parallel_for(count, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dim)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(out + i * dim, table + indices[i] * dim, sizeof(T) * dim);
  });
}

template <typename T>
void embedding_scatter_add(const T* dy, const int64_t* indices, int64_t count, int64_t dim, int64_t rows, T* d_table) {
  std::fill(d_table, d_table + rows * dim, T(0));
  // Row ranges only pay when the scan of all indices is cheap next to the adds.
  int64_t grain = count * dim > (1 << 16) ? std::max<int64_t>(1, rows / 8) : rows;
  parallel_for(rows, grain, [&](int64_t row_begin, int64_t row_end) {
    for (int64_t i = 0; i < count; ++i) {
      int64_t r = indices[i];
      if (r < row_begin || r >= row_end) continue;
      T* dst = d_table + r * dim;
      const T* src = dy + i * dim;
      for (int64_t c = 0; c < dim; ++c) dst[c] += src[c];
    }
  });
}

template void embedding_gather<float>(const float*, const int64_t*, int64_t, int64_t, float*);
template void embedding_gather<double>(const double*, const int64_t*, int64_t, int64_t, double*);
template void embedding_scatter_add<float>(const float*, const int64_t*, int64_t, int64_t, int64_t, float*);
template void embedding_scatter_add<double>(const double*, const int64_t*, int64_t, int64_t, int64_t, double*);

}  // namespace dagnet::cpu
