#include "cpu/conv_indirect.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/gemm_kernels.h"

namespace dagnet::cpu {

namespace {
constexpr int64_t kChannelChunk = 256;  // depth per micro-kernel call
constexpr int64_t kPositionChunk = 512;  // depth per micro-kernel call of the kernel gradient
constexpr int kMaxMR = 16;
// Fewer channels than this with a single tap: the indirect kernels' per-tile overhead
// exceeds an im2col copy of the few floats per position.
constexpr int64_t kIndirectMinChannels = 16;
}  // namespace

namespace {
// A window row's taps read as one span: with dilation 1 along the width, the kw pixels a
// window row covers are kw * c contiguous floats of x, and the kernel's rows for those taps
// are contiguous too ((kd, kh, kw, c, filters) order). One micro-kernel call then has depth
// kw * c instead of c: a 5x5 window on 10 channels makes 5 calls of depth 50, not 25 of
// depth 10 (each call reloads and stores the C tile). With dilation, a span is one tap.
struct Spans {
  int64_t taps_per_span, length, count;
};
Spans spans_of(const ConvShape& s) {
  const int64_t per = s.dw == 1 ? s.kw : 1;
  return {per, per * s.c, s.taps() / per};
}

// The span at window corner (iz, iy, ix) of one image: a pointer into x where the span
// lies inside the image, `zeros` where its row is in the padding, otherwise (it crosses the
// left or right edge) a copy in `gather`, padding zeroed.
const float* span_source(const ConvShape& s, const Spans& sp, const float* image, int64_t iz, int64_t iy, int64_t ix,
                         const float* zeros, float* gather) {
  if (iz < 0 || iz >= s.d || iy < 0 || iy >= s.h) return zeros;
  const float* row = image + (iz * s.h + iy) * s.w * s.c;
  if (ix >= 0 && ix + sp.taps_per_span <= s.w) return row + ix * s.c;
  if (sp.taps_per_span == 1) return zeros;
  for (int64_t j = 0; j < sp.taps_per_span; ++j) {
    const int64_t at = ix + j;
    if (at >= 0 && at < s.w) std::memcpy(gather + j * s.c, row + at * s.c, sizeof(float) * s.c);
    else std::fill(gather + j * s.c, gather + (j + 1) * s.c, 0.0f);
  }
  return gather;
}
}  // namespace

bool conv2d_indirect_pays(const ConvShape& s) {
  // One thread, 32 images, 10 channels: 3x3 stride 2 0.54 -> 0.28 ms, 5x5 stride 2 1.5 ->
  // 0.55 ms; 1x1 stride 2 on 3 channels 0.088 -> 0.128 ms (slower).
  return s.groups == 1 && !s.is_pointwise() && (s.c >= kIndirectMinChannels || s.taps() > 1);
}

void conv2d_indirect(const float* x, const ConvShape& s, const float* kernel, int64_t filters,
                     const GemmEpilogue& epilogue, float* y) {
  const GemmKernel kern = gemm_kernel_for_cpu();
  const int mr = kern.mr, nr = kern.nr;
  const Spans sp = spans_of(s);
  const int64_t M = s.n * s.out_spatial(), K = s.k(), panels = (filters + nr - 1) / nr;
  const int64_t padded_f = panels * nr;
  // A partial last panel of filters is read from a zero-padded copy of its columns.
  std::vector<float> edge_panel;
  const int64_t edge_cols = filters % nr;
  const bool half_edge = edge_cols && edge_cols <= nr / 2;  // the last panel on the half-width kernel
  if (edge_cols) {
    edge_panel.assign(static_cast<size_t>(K * nr), 0.0f);
    for (int64_t k = 0; k < K; ++k)
      std::memcpy(edge_panel.data() + k * nr, kernel + k * filters + (panels - 1) * nr, sizeof(float) * edge_cols);
  }
  const std::vector<float> zeros(static_cast<size_t>(sp.length), 0.0f);
  const bool has_epilogue = epilogue.bias || epilogue.activation != Activation::Linear;
  const int64_t tiles = (M + mr - 1) / mr;

  parallel_for(tiles, 4, [&](int64_t t0, int64_t t1) {
    std::vector<float> buffer(static_cast<size_t>(mr * padded_f));
    std::vector<float> gather(static_cast<size_t>(mr * sp.length));
    const float* base[kMaxMR];
    const float* rows[kMaxMR];
    const float* image_of[kMaxMR];
    int64_t iz0[kMaxMR], iy0[kMaxMR], ix0[kMaxMR];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i = t * mr, nrows = std::min<int64_t>(mr, M - i);
      const bool direct = nrows == mr && !edge_cols;  // write straight into y
      float* c = direct ? y + i * filters : buffer.data();
      const int64_t ldc = direct ? filters : padded_f;
      for (int r = 0; r < nrows; ++r) {  // window corners, once per tile (divisions are slow)
        const OutputPosition o = output_position(s, i + r);
        image_of[r] = x + o.image * s.spatial() * s.c;
        iz0[r] = window_input(o.z, 0, s.sd, s.dd, s.pad_front);
        iy0[r] = window_input(o.y, 0, s.sh, s.dh, s.pad_top);
        ix0[r] = window_input(o.x, 0, s.sw, s.dw, s.pad_left);
      }
      bool accumulate = false;
      for (int64_t span = 0; span < sp.count; ++span) {
        const WindowTap tap = window_tap(s, span * sp.taps_per_span);
        for (int r = 0; r < mr; ++r)
          base[r] = r < nrows ? span_source(s, sp, image_of[r], iz0[r] + tap.z * s.dd, iy0[r] + tap.y * s.dh,
                                            ix0[r] + tap.x * s.dw, zeros.data(), gather.data() + r * sp.length)
                              : zeros.data();
        for (int64_t c0 = 0; c0 < sp.length; c0 += kChannelChunk) {
          const int64_t kc = std::min(kChannelChunk, sp.length - c0);
          for (int r = 0; r < mr; ++r) rows[r] = base[r] + c0;
          const int64_t k0 = span * sp.length + c0;
          for (int64_t p = 0; p < panels; ++p) {  // the same pixels feed every filter panel: L1 hits
            const bool edge = edge_cols && p == panels - 1;
            const float* b = edge ? edge_panel.data() + k0 * nr : kernel + k0 * filters + p * nr;
            const auto run = edge && half_edge ? kern.run_indirect_half : kern.run_indirect;
            run(kc, rows, b, edge ? nr : filters, c + p * nr, ldc, accumulate);
          }
          accumulate = true;
        }
      }
      float* out = y + i * filters;
      if (!direct)
        for (int64_t r = 0; r < nrows; ++r)
          std::memcpy(out + r * filters, buffer.data() + r * padded_f, sizeof(float) * filters);
      if (has_epilogue) {  // the tile's rows are back to back in y
        if (epilogue.bias)
          for (int64_t r = 0; r < nrows; ++r)
            for (int64_t f = 0; f < filters; ++f) out[r * filters + f] += epilogue.bias[f];
        if (epilogue.activation != Activation::Linear)
          activation_forward_serial<float>(epilogue.activation, epilogue.alpha, out, out, nrows * filters);
      }
    }
  });
}

bool conv2d_kernel_gradient_indirect_pays(const ConvShape& s) {
  // Where it pays (one thread, 32 images, 5x5 and 3x3 stride 2, AVX-512): with whole panels
  // per span (c a multiple of NR), and for multi-tap windows on few channels, where im2col
  // copies c < 16 floats per tap (10 channels: 3x3 0.48 -> 0.29 ms, 5x5 1.2 -> 1.1 ms). At
  // 40 channels the im2col GEMM is faster (5x5: 1.54 vs 2.06 ms), as it is for one tap.
  return s.c % gemm_kernel_for_cpu().nr == 0 || (s.c < kIndirectMinChannels && s.taps() > 1);
}

bool conv2d_kernel_gradient_indirect(const float* x, const ConvShape& s, const float* dy, int64_t filters,
                                     float* d_kernel) {
  const GemmKernel kern = gemm_kernel_for_cpu();
  const int mr = kern.mr, nr = kern.nr;
  if (!conv2d_kernel_gradient_indirect_pays(s)) return false;
  const Spans sp = spans_of(s);
  // d kernel^T's columns are the spans, each padded to whole NR-column panels: a panel
  // reads NR floats from a span's start, so past a span whose length is not a multiple of NR
  // it reads the next pixel's channels into padding columns that are dropped at the end.
  const int64_t span_panels = (sp.length + nr - 1) / nr, padded = span_panels * nr;
  const int64_t positions = s.n * s.out_spatial(), K = s.k(), Kp = sp.count * padded, panels = sp.count * span_panels;
  const int64_t full_tiles = filters / mr, edge_rows = filters % mr, row_tiles = full_tiles + (edge_rows ? 1 : 0);
  const float* x_end = x + s.n * s.spatial() * s.c;
  std::vector<float> dkt(static_cast<size_t>(row_tiles * mr * Kp), 0.0f);  // d kernel^T, rows padded to mr
  // A = dy^T needs no packing: depth k's MR filters are contiguous in dy, rows `filters`
  // apart. Only a last partial tile of filters is copied, zero-padded to MR.
  std::vector<float> edge_a(edge_rows ? static_cast<size_t>(mr * kPositionChunk) : 0, 0.0f);
  struct Origin {  // a position's window corner: computed once per chunk, not per panel
    const float* image;
    int64_t iz, iy, ix;
  };
  std::vector<Origin> origin(static_cast<size_t>(kPositionChunk));
  const std::vector<float> zeros(static_cast<size_t>(nr), 0.0f);
  for (int64_t p0 = 0; p0 < positions; p0 += kPositionChunk) {
    const int64_t kc = std::min(kPositionChunk, positions - p0);
    for (int64_t k = 0; k < kc; ++k) {
      const OutputPosition o = output_position(s, p0 + k);
      origin[k] = {x + o.image * s.spatial() * s.c, window_input(o.z, 0, s.sd, s.dd, s.pad_front),
                   window_input(o.y, 0, s.sh, s.dh, s.pad_top), window_input(o.x, 0, s.sw, s.dw, s.pad_left)};
    }
    if (edge_rows)
      for (int64_t k = 0; k < kc; ++k)
        std::memcpy(edge_a.data() + k * mr, dy + (p0 + k) * filters + full_tiles * mr, sizeof(float) * edge_rows);
    parallel_for(panels, 1, [&](int64_t b0, int64_t b1) {
      const float* rows[kPositionChunk];
      std::vector<float> gather;  // the panel's NR columns of positions whose span crosses an edge
      for (int64_t panel = b0; panel < b1; ++panel) {
        const int64_t span = panel / span_panels, q0 = (panel % span_panels) * nr;
        const WindowTap tap = window_tap(s, span * sp.taps_per_span);
        const int64_t dz_off = tap.z * s.dd, dy_off = tap.y * s.dh, dx_off = tap.x * s.dw;
        for (int64_t k = 0; k < kc; ++k) {
          const int64_t iz = origin[k].iz + dz_off, iy = origin[k].iy + dy_off, ix = origin[k].ix + dx_off;
          if (iz < 0 || iz >= s.d || iy < 0 || iy >= s.h) {
            rows[k] = zeros.data();
            continue;
          }
          const float* row = origin[k].image + (iz * s.h + iy) * s.w * s.c;
          if (ix >= 0 && ix + sp.taps_per_span <= s.w && row + ix * s.c + q0 + nr <= x_end) {
            rows[k] = row + ix * s.c + q0;
            continue;
          }
          if (gather.empty()) gather.resize(static_cast<size_t>(kPositionChunk * nr));
          float* g = gather.data() + k * nr;
          int64_t px = ix + q0 / s.c, ch = q0 % s.c;  // column q0 + q of the span: pixel px, channel ch
          for (int64_t q = 0; q < nr; ++q) {
            g[q] = q0 + q < sp.length && px >= 0 && px < s.w ? row[px * s.c + ch] : 0.0f;
            if (++ch == s.c) ch = 0, ++px;
          }
          rows[k] = g;
        }
        for (int64_t t = 0; t < row_tiles; ++t) {
          const bool edge = t == full_tiles;
          const float* a = edge ? edge_a.data() : dy + p0 * filters + t * mr;
          kern.run_indirect_b(kc, a, edge ? mr : filters, rows, dkt.data() + t * mr * Kp + span * padded + q0, Kp,
                              p0 > 0);
        }
      }
    });
  }
  parallel_for(K, 64, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const float* column = dkt.data() + (k / sp.length) * padded + k % sp.length;
      for (int64_t f = 0; f < filters; ++f) d_kernel[k * filters + f] = column[f * Kp];
    }
  });
  return true;
}

}  // namespace dagnet::cpu
