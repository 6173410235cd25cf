// Shared body of the per-ISA depthwise row kernels (included by each ISA's file so the
// same source is compiled for that ISA's vector width: GCC/Clang vector types of L lanes,
// or the scalar type itself for L = 1). Not a public header.
#include <cstring>

#include "ops/conv_layout.h"

namespace {
using dagnet::ConvShape;
using dagnet::window_input;

template <typename V, typename T>
inline V load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
template <typename V, typename T>
inline void store(T* p, const V& v) {
  std::memcpy(p, &v, sizeof(V));
}

// The output (or, for the gradient, input) x positions whose whole window row lies inside
// [0, w): [lo, hi). Outside it, taps are checked one by one.
struct Interior {
  int64_t lo, hi;
};
inline Interior interior(int64_t out, int64_t in, int64_t k, int64_t stride, int64_t dilation, int64_t pad) {
  int64_t lo = pad <= 0 ? 0 : (pad + stride - 1) / stride;  // first o with o * stride - pad >= 0
  const int64_t last_in = in - 1 - (k - 1) * dilation + pad;  // o * stride <= last_in
  int64_t hi = last_in < 0 ? 0 : last_in / stride + 1;
  if (hi > out) hi = out;
  if (lo > hi) lo = hi;
  return {lo, hi};
}

// One output row (image, oz, oy) for channels [c0, c1) in steps of L lanes: kX pixels at a
// time in registers, all taps accumulated before the store.
template <typename T, typename V, int L>
void forward_row(const ConvShape& s, const T* x, const T* w, const T* bias, T* out, int64_t image, int64_t oz,
                 int64_t oy, int64_t c0, int64_t c1, const Interior& inner) {
  constexpr int kX = 4;
  const int64_t C = s.c, step = s.sw * C;
  for (int64_t c = c0; c + L <= c1; c += L) {
    const V init = bias ? load<V>(bias + c) : V{};
    auto checked_pixel = [&](int64_t ox) {
      V acc = init;
      for (int64_t kz = 0; kz < s.kd; ++kz) {
        const int64_t iz = window_input(oz, kz, s.sd, s.dd, s.pad_front);
        if (iz < 0 || iz >= s.d) continue;
        for (int64_t ky = 0; ky < s.kh; ++ky) {
          const int64_t iy = window_input(oy, ky, s.sh, s.dh, s.pad_top);
          if (iy < 0 || iy >= s.h) continue;
          const T* row = x + ((image * s.d + iz) * s.h + iy) * s.w * C + c;
          const T* wt = w + (kz * s.kh + ky) * s.kw * C + c;
          for (int64_t kx = 0; kx < s.kw; ++kx) {
            const int64_t ix = window_input(ox, kx, s.sw, s.dw, s.pad_left);
            if (ix >= 0 && ix < s.w) acc += load<V>(row + ix * C) * load<V>(wt + kx * C);
          }
        }
      }
      store(out + ox * C + c, acc);
    };
    int64_t ox = 0;
    for (; ox < inner.lo; ++ox) checked_pixel(ox);
    for (; ox + kX <= inner.hi; ox += kX) {
      V acc[kX];
      for (int j = 0; j < kX; ++j) acc[j] = init;
      for (int64_t kz = 0; kz < s.kd; ++kz) {
        const int64_t iz = window_input(oz, kz, s.sd, s.dd, s.pad_front);
        if (iz < 0 || iz >= s.d) continue;
        for (int64_t ky = 0; ky < s.kh; ++ky) {
          const int64_t iy = window_input(oy, ky, s.sh, s.dh, s.pad_top);
          if (iy < 0 || iy >= s.h) continue;
          const T* row = x + ((image * s.d + iz) * s.h + iy) * s.w * C + c;
          const T* wt = w + (kz * s.kh + ky) * s.kw * C + c;
          for (int64_t kx = 0; kx < s.kw; ++kx) {
            const V wv = load<V>(wt + kx * C);
            const T* src = row + window_input(ox, kx, s.sw, s.dw, s.pad_left) * C;
            for (int j = 0; j < kX; ++j) acc[j] += load<V>(src + j * step) * wv;
          }
        }
      }
      for (int j = 0; j < kX; ++j) store(out + (ox + j) * C + c, acc[j]);
    }
    for (; ox < s.ow; ++ox) checked_pixel(ox);
  }
}

template <typename T, typename V, int L>
void forward_rows(const ConvShape& s, const T* x, const T* w, const T* bias, T* y, int64_t r0, int64_t r1) {
  const Interior inner = interior(s.ow, s.w, s.kw, s.sw, s.dw, s.pad_left);
  const int64_t vector_end = s.c - s.c % L;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t image = r / (s.od * s.oh), oz = (r / s.oh) % s.od, oy = r % s.oh;
    T* out = y + r * s.ow * s.c;
    forward_row<T, V, L>(s, x, w, bias, out, image, oz, oy, 0, vector_end, inner);
    forward_row<T, T, 1>(s, x, w, bias, out, image, oz, oy, vector_end, s.c, inner);  // the last channels
  }
}

// One input row (image, iz, iy) of dx for channels [c0, c1): the output rows whose windows
// cover it add dy * w at each covered pixel (the row stays in cache while it accumulates).
template <typename T, typename V, int L>
void grad_input_row(const ConvShape& s, const T* dy, const T* w, T* dx_row, int64_t image, int64_t iz, int64_t iy,
                    int64_t c0, int64_t c1) {
  const int64_t C = s.c;
  for (int64_t kz = 0; kz < s.kd; ++kz) {
    const int64_t oz = dagnet::window_output(iz, kz, s.sd, s.dd, s.pad_front, s.od);
    if (oz < 0) continue;
    for (int64_t ky = 0; ky < s.kh; ++ky) {
      const int64_t oy = dagnet::window_output(iy, ky, s.sh, s.dh, s.pad_top, s.oh);
      if (oy < 0) continue;
      const T* g = dy + ((image * s.od + oz) * s.oh + oy) * s.ow * C;
      const T* wt = w + (kz * s.kh + ky) * s.kw * C;
      for (int64_t kx = 0; kx < s.kw; ++kx) {
        // ox whose tap kx lands inside the row: 0 <= ox * sw - pad + kx * dw < w
        const Interior span = interior(s.ow, s.w, 1, s.sw, 1, s.pad_left - kx * s.dw);
        for (int64_t c = c0; c + L <= c1; c += L) {
          const V wv = load<V>(wt + kx * C + c);
          for (int64_t ox = span.lo; ox < span.hi; ++ox) {
            T* d = dx_row + window_input(ox, kx, s.sw, s.dw, s.pad_left) * C + c;
            store(d, load<V>(d) + load<V>(g + ox * C + c) * wv);
          }
        }
      }
    }
  }
}

template <typename T, typename V, int L>
void grad_input_rows(const ConvShape& s, const T* dy, const T* w, T* dx, int64_t r0, int64_t r1) {
  const int64_t vector_end = s.c - s.c % L;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t image = r / (s.d * s.h), iz = (r / s.h) % s.d, iy = r % s.h;
    T* row = dx + r * s.w * s.c;
    for (int64_t i = 0; i < s.w * s.c; ++i) row[i] = T(0);
    grad_input_row<T, V, L>(s, dy, w, row, image, iz, iy, 0, vector_end);
    grad_input_row<T, T, 1>(s, dy, w, row, image, iz, iy, vector_end, s.c);
  }
}

// d kernel += the products of output rows [r0, r1): for each row of taps (kz, ky), up to
// kK taps along x accumulate in registers over the whole output row.
template <typename T, typename V, int L>
void grad_kernel_rows_range(const ConvShape& s, const T* dy, const T* x, T* dk, int64_t r0, int64_t r1, int64_t c0,
                            int64_t c1) {
  constexpr int kK = 8;
  const int64_t C = s.c;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t image = r / (s.od * s.oh), oz = (r / s.oh) % s.od, oy = r % s.oh;
    const T* g = dy + r * s.ow * C;
    for (int64_t kz = 0; kz < s.kd; ++kz) {
      const int64_t iz = window_input(oz, kz, s.sd, s.dd, s.pad_front);
      if (iz < 0 || iz >= s.d) continue;
      for (int64_t ky = 0; ky < s.kh; ++ky) {
        const int64_t iy = window_input(oy, ky, s.sh, s.dh, s.pad_top);
        if (iy < 0 || iy >= s.h) continue;
        const T* row = x + ((image * s.d + iz) * s.h + iy) * s.w * C;
        T* dkt = dk + (kz * s.kh + ky) * s.kw * C;
        for (int64_t k0 = 0; k0 < s.kw; k0 += kK) {
          const int nk = static_cast<int>(s.kw - k0 < kK ? s.kw - k0 : kK);
          // ox for which taps [k0, k0 + nk) all lie inside the row
          const Interior inner = interior(s.ow, s.w, nk, s.sw, s.dw, s.pad_left - k0 * s.dw);
          for (int64_t c = c0; c + L <= c1; c += L) {
            V acc[kK];
            for (int j = 0; j < kK; ++j) acc[j] = V{};
            auto checked_pixel = [&](int64_t ox) {
              const V gv = load<V>(g + ox * C + c);
              for (int j = 0; j < nk; ++j) {
                const int64_t ix = window_input(ox, k0 + j, s.sw, s.dw, s.pad_left);
                if (ix >= 0 && ix < s.w) acc[j] += load<V>(row + ix * C + c) * gv;
              }
            };
            int64_t ox = 0;
            for (; ox < inner.lo; ++ox) checked_pixel(ox);
            for (; ox < inner.hi; ++ox) {
              const V gv = load<V>(g + ox * C + c);
              const T* src = row + window_input(ox, k0, s.sw, s.dw, s.pad_left) * C + c;
              for (int j = 0; j < nk; ++j) acc[j] += load<V>(src + j * s.dw * C) * gv;
            }
            for (; ox < s.ow; ++ox) checked_pixel(ox);
            for (int j = 0; j < nk; ++j) store(dkt + (k0 + j) * C + c, load<V>(dkt + (k0 + j) * C + c) + acc[j]);
          }
        }
      }
    }
  }
}

template <typename T, typename V, int L>
void grad_kernel_rows(const ConvShape& s, const T* dy, const T* x, T* dk, int64_t r0, int64_t r1) {
  const int64_t vector_end = s.c - s.c % L;
  grad_kernel_rows_range<T, V, L>(s, dy, x, dk, r0, r1, 0, vector_end);
  grad_kernel_rows_range<T, T, 1>(s, dy, x, dk, r0, r1, vector_end, s.c);
}

// The float32 kernels for L lanes.
template <int L>
dagnet::cpu::DepthwiseRowKernels depthwise_row_kernels_of() {
  typedef float V __attribute__((vector_size(L * sizeof(float))));
  return {forward_rows<float, V, L>, grad_input_rows<float, V, L>, grad_kernel_rows<float, V, L>};
}
}  // namespace
