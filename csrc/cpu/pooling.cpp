#include "cpu/pooling.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
struct Window {
  int64_t y0, y1, x0, x1;  // clipped to the input
};
Window window(const PoolShape& s, int64_t oy, int64_t ox) {
  int64_t y = oy * s.sh - s.pad_top, x = ox * s.sw - s.pad_left;
  return {std::max<int64_t>(y, 0), std::min(y + s.kh, s.h), std::max<int64_t>(x, 0), std::min(x + s.kw, s.w)};
}

// Runs fn(image, oy, ox, channel) for every output, parallel over (image, output row).
template <typename Fn>
void for_each_output(const PoolShape& s, Fn fn) {
  parallel_for(s.n * s.oh, std::max<int64_t>(1, 2048 / std::max<int64_t>(1, s.ow * s.c)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      for (int64_t ox = 0; ox < s.ow; ++ox)
        for (int64_t ch = 0; ch < s.c; ++ch) fn(r / s.oh, r % s.oh, ox, ch);
  });
}

// Gradients scatter into overlapping windows, so each thread owns whole images.
template <typename Fn>
void for_each_image(const PoolShape& s, Fn fn) {
  parallel_for(s.n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      for (int64_t oy = 0; oy < s.oh; ++oy)
        for (int64_t ox = 0; ox < s.ow; ++ox)
          for (int64_t ch = 0; ch < s.c; ++ch) fn(i, oy, ox, ch);
  });
}
}  // namespace

template <typename T>
void max_pool(const PoolShape& s, const T* x, T* y) {
  for_each_output(s, [&](int64_t i, int64_t oy, int64_t ox, int64_t ch) {
    Window w = window(s, oy, ox);
    T best = x[s.in_index(i, w.y0, w.x0, ch)];
    for (int64_t yy = w.y0; yy < w.y1; ++yy)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) best = std::max(best, x[s.in_index(i, yy, xx, ch)]);
    y[s.out_index(i, oy, ox, ch)] = best;
  });
}

template <typename T>
void avg_pool(const PoolShape& s, const T* x, T* y) {
  for_each_output(s, [&](int64_t i, int64_t oy, int64_t ox, int64_t ch) {
    Window w = window(s, oy, ox);
    T sum = 0;
    for (int64_t yy = w.y0; yy < w.y1; ++yy)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) sum += x[s.in_index(i, yy, xx, ch)];
    y[s.out_index(i, oy, ox, ch)] = sum / static_cast<T>((w.y1 - w.y0) * (w.x1 - w.x0));
  });
}

template <typename T>
void max_pool_grad(const PoolShape& s, const T* x, const T* dy, T* dx) {
  std::fill(dx, dx + s.n * s.h * s.w * s.c, T(0));
  for_each_image(s, [&](int64_t i, int64_t oy, int64_t ox, int64_t ch) {
    Window w = window(s, oy, ox);
    int64_t best = s.in_index(i, w.y0, w.x0, ch);
    for (int64_t yy = w.y0; yy < w.y1; ++yy)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) {
        int64_t at = s.in_index(i, yy, xx, ch);
        if (x[at] > x[best]) best = at;
      }
    dx[best] += dy[s.out_index(i, oy, ox, ch)];
  });
}

template <typename T>
void avg_pool_grad(const PoolShape& s, const T* dy, T* dx) {
  std::fill(dx, dx + s.n * s.h * s.w * s.c, T(0));
  for_each_image(s, [&](int64_t i, int64_t oy, int64_t ox, int64_t ch) {
    Window w = window(s, oy, ox);
    T share = dy[s.out_index(i, oy, ox, ch)] / static_cast<T>((w.y1 - w.y0) * (w.x1 - w.x0));
    for (int64_t yy = w.y0; yy < w.y1; ++yy)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) dx[s.in_index(i, yy, xx, ch)] += share;
  });
}

template void max_pool<float>(const PoolShape&, const float*, float*);
template void max_pool<double>(const PoolShape&, const double*, double*);
template void avg_pool<float>(const PoolShape&, const float*, float*);
template void avg_pool<double>(const PoolShape&, const double*, double*);
template void max_pool_grad<float>(const PoolShape&, const float*, const float*, float*);
template void max_pool_grad<double>(const PoolShape&, const double*, const double*, double*);
template void avg_pool_grad<float>(const PoolShape&, const float*, float*);
template void avg_pool_grad<double>(const PoolShape&, const double*, double*);

}  // namespace dagnet::cpu
