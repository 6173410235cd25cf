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
}  // namespace

void conv2d_indirect(const float* x, const ConvShape& s, const float* kernel, int64_t filters,
                     const GemmEpilogue& epilogue, float* y) {
  const GemmKernel kern = gemm_kernel_for_cpu();
  const int mr = kern.mr, nr = kern.nr;
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
  const std::vector<float> zeros(static_cast<size_t>(std::min(s.c, kChannelChunk)), 0.0f);
  const bool has_epilogue = epilogue.bias || epilogue.activation != Activation::Linear;
  const int64_t tiles = (M + mr - 1) / mr;

  parallel_for(tiles, 4, [&](int64_t t0, int64_t t1) {
    std::vector<float> buffer(static_cast<size_t>(mr * padded_f));
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
      for (int64_t window = 0; window < s.taps(); ++window) {
        const WindowTap tap = window_tap(s, window);
        for (int r = 0; r < mr; ++r) {
          base[r] = nullptr;
          if (r >= nrows) continue;
          const int64_t iz = iz0[r] + tap.z * s.dd, iy = iy0[r] + tap.y * s.dh, ix = ix0[r] + tap.x * s.dw;
          if (iz >= 0 && iz < s.d && iy >= 0 && iy < s.h && ix >= 0 && ix < s.w)
            base[r] = image_of[r] + ((iz * s.h + iy) * s.w + ix) * s.c;
        }
        for (int64_t c0 = 0; c0 < s.c; c0 += kChannelChunk) {
          const int64_t kc = std::min(kChannelChunk, s.c - c0);
          for (int r = 0; r < mr; ++r) rows[r] = base[r] ? base[r] + c0 : zeros.data();
          const int64_t k0 = window * s.c + c0;
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

bool conv2d_kernel_gradient_indirect(const float* x, const ConvShape& s, const float* dy, int64_t filters,
                                     float* d_kernel) {
  const GemmKernel kern = gemm_kernel_for_cpu();
  const int mr = kern.mr, nr = kern.nr;
  if (s.c % nr != 0) return false;
  const int64_t positions = s.n * s.out_spatial(), K = s.k(), panels = K / nr;
  const int64_t full_tiles = filters / mr, edge_rows = filters % mr, row_tiles = full_tiles + (edge_rows ? 1 : 0);
  std::vector<float> dkt(static_cast<size_t>(row_tiles * mr * K), 0.0f);  // d kernel^T, rows padded to mr
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
      for (int64_t panel = b0; panel < b1; ++panel) {
        const int64_t col = panel * nr, c0 = col % s.c;
        const WindowTap tap = window_tap(s, col / s.c);
        const int64_t dz_off = tap.z * s.dd, dy_off = tap.y * s.dh, dx_off = tap.x * s.dw;
        for (int64_t k = 0; k < kc; ++k) {
          const int64_t iz = origin[k].iz + dz_off, iy = origin[k].iy + dy_off, ix = origin[k].ix + dx_off;
          rows[k] = (iz >= 0 && iz < s.d && iy >= 0 && iy < s.h && ix >= 0 && ix < s.w)
                        ? origin[k].image + ((iz * s.h + iy) * s.w + ix) * s.c + c0
                        : zeros.data();
        }
        for (int64_t t = 0; t < row_tiles; ++t) {
          const bool edge = t == full_tiles;
          const float* a = edge ? edge_a.data() : dy + p0 * filters + t * mr;
          kern.run_indirect_b(kc, a, edge ? mr : filters, rows, dkt.data() + t * mr * K + col, K, p0 > 0);
        }
      }
    });
  }
  parallel_for(K, 64, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k)
      for (int64_t f = 0; f < filters; ++f) d_kernel[k * filters + f] = dkt[f * K + k];
  });
  return true;
}

}  // namespace dagnet::cpu
