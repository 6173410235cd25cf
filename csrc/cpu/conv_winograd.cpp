#include "cpu/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/thread_pool.h"
#include "cpu/activation.h"

namespace dagnet::cpu {

namespace {

std::atomic<int64_t> g_calls{0};

// Per-thread tile buffers (V and M of one block of tiles), grown once and reused: a block's
// transforms and GEMMs run on one thread while its buffers stay in that core's caches.
struct TileBuffer {
  float* data = nullptr;
  size_t capacity = 0;
  float* ensure(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      capacity = std::max(floats, capacity * 2);
      data = static_cast<float*>(std::aligned_alloc(64, (capacity * sizeof(float) + 63) / 64 * 64));
      check(data != nullptr, ErrorKind::Memory, "out of memory for Winograd convolution tiles");
    }
    return data;
  }
  ~TileBuffer() { std::free(data); }
};
thread_local TileBuffer t_tiles;

// Channels per pass of the transforms: 16 rows of this many floats stay in L1.
constexpr int64_t kChunk = 64;

// Tiles per block: V (16 x tiles x cin) and M (16 x tiles x cout) together at most about
// 1.5 MiB (128 -> 128 channels: 96 tiles), and a multiple of 24 so the GEMMs' rows fill
// whole micro-kernel panels (MR 6 on AVX2, 12 on AVX-512). Measured on this machine
// (AMD EPYC Zen 5, 1 MiB L2 per core), 4 x 32 x 32 x 128 -> 128, one thread, CPU time vs
// the direct path: 48 tiles (768 KiB) -15 to -22%, 96 tiles -24 to -26%, 192 tiles -17 to
// -25%: bigger GEMMs amortise each call's packing and set-up more than they lose to L2;
// each GEMM touches only its own 1/16 of V and M.
// Small problems are cut into at least 8 blocks where they have 8 x 24 tiles, so the
// threads share them; from the problem alone, so results never depend on the thread count.
int64_t block_tiles(int64_t cin, int64_t cout, int64_t tiles) {
  const int64_t fit = std::max<int64_t>(24, (int64_t(3) << 17) / (16 * (cin + cout)) / 24 * 24);
  return std::min(fit, std::max<int64_t>(24, ((tiles + 7) / 8 + 23) / 24 * 24));
}

// U[xi][ci][co] = (G g G^T)[xi] for each (ci, co), G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
void transform_kernel(const float* kernel, int64_t cin, int64_t cout, bool flip_swap, float* u) {
  parallel_for(cin, 8, [&](int64_t b, int64_t e) {
    for (int64_t ci = b; ci < e; ++ci)
      for (int64_t co = 0; co < cout; ++co) {
        float g[3][3];
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx)
            g[ky][kx] = flip_swap ? kernel[(((2 - ky) * 3 + (2 - kx)) * cout + co) * cin + ci]
                                  : kernel[((ky * 3 + kx) * cin + ci) * cout + co];
        float t[4][3];  // G g
        for (int kx = 0; kx < 3; ++kx) {
          t[0][kx] = g[0][kx];
          t[1][kx] = 0.5f * (g[0][kx] + g[1][kx] + g[2][kx]);
          t[2][kx] = 0.5f * (g[0][kx] - g[1][kx] + g[2][kx]);
          t[3][kx] = g[2][kx];
        }
        for (int i = 0; i < 4; ++i) {  // (G g) G^T
          const float r[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
                              t[i][2]};
          for (int j = 0; j < 4; ++j) u[((i * 4 + j) * cin + ci) * cout + co] = r[j];
        }
      }
  });
}

// V[xi][tile][ci] = (B^T d B)[xi] of one 4x4 input tile (rows[y][x] point at its pixels,
// or at zeros in the padding), B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
void transform_input_tile(const float* const rows[4][4], int64_t cin, float* v, int64_t xi_stride) {
  float t[4][4][kChunk];
  for (int64_t c0 = 0; c0 < cin; c0 += kChunk) {
    const int64_t len = std::min(kChunk, cin - c0);
    for (int x = 0; x < 4; ++x) {  // B^T d, column by column
      const float *d0 = rows[0][x] + c0, *d1 = rows[1][x] + c0, *d2 = rows[2][x] + c0, *d3 = rows[3][x] + c0;
      for (int64_t c = 0; c < len; ++c) {
        t[0][x][c] = d0[c] - d2[c];
        t[1][x][c] = d1[c] + d2[c];
        t[2][x][c] = d2[c] - d1[c];
        t[3][x][c] = d1[c] - d3[c];
      }
    }
    for (int i = 0; i < 4; ++i) {  // (B^T d) B, row by row
      float* v0 = v + (i * 4) * xi_stride + c0;
      float* v1 = v0 + xi_stride;
      float* v2 = v1 + xi_stride;
      float* v3 = v2 + xi_stride;
      for (int64_t c = 0; c < len; ++c) {
        v0[c] = t[i][0][c] - t[i][2][c];
        v1[c] = t[i][1][c] + t[i][2][c];
        v2[c] = t[i][2][c] - t[i][1][c];
        v3[c] = t[i][1][c] - t[i][3][c];
      }
    }
  }
}

// The 2x2 outputs (A^T M A + bias) of one tile, A^T = [1 1 1 0; 0 1 -1 -1]; out[y][x] is
// null past the output's edge; `bias` is all zeros without one.
void transform_output_tile(const float* m, int64_t xi_stride, int64_t cout, const float* bias, float* const out[2][2]) {
  float t[2][4][kChunk];
  for (int64_t c0 = 0; c0 < cout; c0 += kChunk) {
    const int64_t len = std::min(kChunk, cout - c0);
    for (int x = 0; x < 4; ++x) {  // A^T M, column by column
      const float* m0 = m + x * xi_stride + c0;
      const float* m1 = m0 + 4 * xi_stride;
      const float* m2 = m1 + 4 * xi_stride;
      const float* m3 = m2 + 4 * xi_stride;
      for (int64_t c = 0; c < len; ++c) {
        t[0][x][c] = m0[c] + m1[c] + m2[c];
        t[1][x][c] = m1[c] - m2[c] - m3[c];
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (out[i][0]) {
        float* y0 = out[i][0] + c0;
        for (int64_t c = 0; c < len; ++c) y0[c] = t[i][0][c] + t[i][1][c] + t[i][2][c] + bias[c0 + c];
      }
      if (out[i][1]) {
        float* y1 = out[i][1] + c0;
        for (int64_t c = 0; c < len; ++c) y1[c] = t[i][1][c] - t[i][2][c] - t[i][3][c] + bias[c0 + c];
      }
    }
  }
}

}  // namespace

void conv2d_winograd(const float* x, const WinogradShape& s, const float* kernel, bool flip_swap,
                     const GemmEpilogue& epilogue, float* y, float* scratch) {
  g_calls.fetch_add(1, std::memory_order_relaxed);
  const int64_t cin = s.cin, cout = s.cout;
  float* u = scratch;
  transform_kernel(kernel, cin, cout, flip_swap, u);
  const int64_t tiles_y = (s.oh + 1) / 2, tiles_x = (s.ow + 1) / 2, tiles = s.n * tiles_y * tiles_x;
  const int64_t per_block = block_tiles(cin, cout, tiles), blocks = (tiles + per_block - 1) / per_block;
  const bool activation = epilogue.activation != Activation::Linear;
  // Each block runs on one thread: transforms, 16 GEMMs (inline: nested parallel_for calls
  // run on the calling thread), output transform. Blocks never share an output, so the
  // result does not depend on the thread count.
  parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
    const int64_t v_floats = 16 * per_block * cin, m_floats = 16 * per_block * cout;
    float* v = t_tiles.ensure(static_cast<size_t>(v_floats + m_floats + cin + cout));
    float* m = v + v_floats;
    float* zeros = m + m_floats;  // the padding's pixels, then the bias
    float* bias = zeros + cin;
    std::fill(zeros, zeros + cin, 0.0f);
    if (epilogue.bias) std::copy(epilogue.bias, epilogue.bias + cout, bias);
    else std::fill(bias, bias + cout, 0.0f);
    for (int64_t blk = b; blk < e; ++blk) {
      const int64_t first = blk * per_block, count = std::min(per_block, tiles - first);
      for (int64_t t = 0; t < count; ++t) {
        const int64_t tile = first + t, image = tile / (tiles_y * tiles_x), ty = (tile / tiles_x) % tiles_y,
                      tx = tile % tiles_x;
        const float* rows[4][4];
        for (int i = 0; i < 4; ++i) {
          const int64_t iy = 2 * ty - s.pad_top + i;
          for (int j = 0; j < 4; ++j) {
            const int64_t ix = 2 * tx - s.pad_left + j;
            rows[i][j] = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w ? x + ((image * s.h + iy) * s.w + ix) * cin : zeros;
          }
        }
        transform_input_tile(rows, cin, v + t * cin, per_block * cin);
      }
      for (int xi = 0; xi < 16; ++xi)
        gemm<float>(false, false, count, cout, cin, v + xi * per_block * cin, cin, u + xi * cin * cout, cout,
                    m + xi * per_block * cout, cout, false);
      for (int64_t t = 0; t < count; ++t) {
        const int64_t tile = first + t, image = tile / (tiles_y * tiles_x), ty = (tile / tiles_x) % tiles_y,
                      tx = tile % tiles_x;
        float* out[2][2];
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j) {
            const int64_t oy = 2 * ty + i, ox = 2 * tx + j;
            out[i][j] = oy < s.oh && ox < s.ow ? y + ((image * s.oh + oy) * s.ow + ox) * cout : nullptr;
          }
        transform_output_tile(m + t * cout, per_block * cout, cout, bias, out);
        if (activation)
          for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j)
              if (out[i][j])
                activation_forward_serial<float>(epilogue.activation, epilogue.alpha, out[i][j], out[i][j], cout);
      }
    }
  });
}

int64_t winograd_call_count() { return g_calls.load(std::memory_order_relaxed); }

}  // namespace dagnet::cpu
