#include "cpu/pad.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace dagnet::cpu {

template <typename T>
void pad_constant(const T* x, const Shape& x_shape, const std::vector<int64_t>& before, const Shape& y_shape, T value,
                  T* y) {
  const size_t rank = y_shape.size();
  if (rank == 0) {
    y[0] = x[0];
    return;
  }
  const int64_t inner = y_shape[rank - 1], x_inner = x_shape[rank - 1], lead = before[rank - 1];
  int64_t rows = 1;
  for (size_t a = 0; a + 1 < rank; ++a) rows *= y_shape[a];
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, inner)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      T* out = y + r * inner;
      // The source row: the row's index along each leading axis, shifted by its padding.
      int64_t rest = r, source = 0, scale = 1;
      bool inside = true;
      for (size_t a = rank - 1; a-- > 0;) {
        const int64_t i = rest % y_shape[a] - before[a];
        rest /= y_shape[a];
        inside = inside && i >= 0 && i < x_shape[a];
        source += i * scale;
        scale *= x_shape[a];
      }
      if (!inside) {
        std::fill(out, out + inner, value);
        continue;
      }
      std::fill(out, out + lead, value);
      std::copy(x + source * x_inner, x + (source + 1) * x_inner, out + lead);
      std::fill(out + lead + x_inner, out + inner, value);
    }
  });
}

template void pad_constant<float>(const float*, const Shape&, const std::vector<int64_t>&, const Shape&, float, float*);
template void pad_constant<double>(const double*, const Shape&, const std::vector<int64_t>&, const Shape&, double,
                                   double*);
template void pad_constant<int32_t>(const int32_t*, const Shape&, const std::vector<int64_t>&, const Shape&, int32_t,
                                    int32_t*);
template void pad_constant<int64_t>(const int64_t*, const Shape&, const std::vector<int64_t>&, const Shape&, int64_t,
                                    int64_t*);

}  // namespace dagnet::cpu
