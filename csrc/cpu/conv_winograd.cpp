#include "cpu/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/thread_pool.h"
#include "cpu/activation.h"
#include "cpu/gemm_blocking.h"
#include "cpu/gemm_kernels.h"

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

// Tiles per block: whole MR-row tiles of the GEMMs, V (16 x tiles x cin) and M (16 x tiles
// x cout) together at most about 1.5 MiB (128 -> 128 channels: 96 tiles on AVX-512).
// Measured on this machine (AMD EPYC Zen 5, 1 MiB L2 per core), 4 x 32 x 32 x 128 -> 128,
// one thread, CPU time vs the direct path: 48 tiles (768 KiB) -15 to -22%, 96 tiles -24 to
// -26%, 192 tiles -17 to -25%.
// Small problems (batch 1) are cut finer, into at least 16 blocks where they have that
// many row tiles: the threads take blocks one at a time, and 256 tiles in blocks of 48
// left one of two threads 144 tiles and the other 112. Each tile's outputs are the same
// bits whichever block it is in (its GEMM row sees the same kernel and depth order), so
// the block size never changes a result.
int64_t block_tiles(int64_t cin, int64_t cout, int64_t tiles, int mr) {
  const int64_t fit_rows = std::max<int64_t>(1, (int64_t(3) << 17) / (16 * (cin + cout)) / mr);
  const int64_t row_tiles = (tiles + mr - 1) / mr;
  return mr * std::min(fit_rows, std::max<int64_t>(1, (row_tiles + 15) / 16));
}

// U[xi][panel][ci][c] = (G g G^T)[xi] for filter co = panel * nr + c (zeros past cout),
// G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]: the kernel as NR-column GEMM panels, built once
// per call and read in place by every block's micro-kernels. Templated on the layout so
// the plain kernel's loop over filters (contiguous on both sides) vectorises.
template <bool kFlipSwap>
void transform_kernel_rows(const float* kernel, int64_t cin, int64_t cout, int nr, int64_t ci, float* u) {
  const int64_t panels = (cout + nr - 1) / nr;
  for (int64_t panel = 0; panel < panels; ++panel) {
    float* out[16];  // this input channel's row of each xi's panel
    for (int xi = 0; xi < 16; ++xi) out[xi] = u + ((xi * panels + panel) * cin + ci) * nr;
    const int64_t j = panel * nr, cols = std::min<int64_t>(nr, cout - j);
    // One filter per iteration with nothing carried between them: vectorises over filters
    // (the outputs never alias the kernel; ivdep spares the run-time overlap checks).
#pragma GCC ivdep
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t co = j + c;
      float g[3][3];
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx)
          g[ky][kx] = kFlipSwap ? kernel[(((2 - ky) * 3 + (2 - kx)) * cout + co) * cin + ci]
                                : kernel[((ky * 3 + kx) * cin + ci) * cout + co];
      float t[4][3];  // G g
      for (int kx = 0; kx < 3; ++kx) {
        t[0][kx] = g[0][kx];
        t[1][kx] = 0.5f * (g[0][kx] + g[1][kx] + g[2][kx]);
        t[2][kx] = 0.5f * (g[0][kx] - g[1][kx] + g[2][kx]);
        t[3][kx] = g[2][kx];
      }
      for (int i = 0; i < 4; ++i) {  // (G g) G^T
        out[4 * i][c] = t[i][0];
        out[4 * i + 1][c] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
        out[4 * i + 2][c] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
        out[4 * i + 3][c] = t[i][2];
      }
    }
    for (int xi = 0; xi < 16; ++xi) std::fill(out[xi] + cols, out[xi] + nr, 0.0f);  // past cout
  }
}

void transform_kernel(const float* kernel, int64_t cin, int64_t cout, bool flip_swap, int nr, float* u) {
  parallel_for(cin, 8, [&](int64_t b, int64_t e) {
    for (int64_t ci = b; ci < e; ++ci) {
      if (flip_swap) transform_kernel_rows<true>(kernel, cin, cout, nr, ci, u);
      else transform_kernel_rows<false>(kernel, cin, cout, nr, ci, u);
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

// M[xi] (count x cout) = V[xi] (count x cin) . U[xi] for one block: the micro-kernel reads
// V's rows in place (run_indirect: no packing of A) and U's panels as packed; a last row
// tile past `count` reads the zero row and a last panel past cout writes through `tile`.
void multiply_block(const GemmKernel& kern, int64_t kc_max, const float* v, int64_t count, int64_t cin, const float* u,
                    int64_t cout, const float* zeros, float* m, int64_t per_block) {
  const int mr = kern.mr, nr = kern.nr;
  const int64_t panels = (cout + nr - 1) / nr;
  alignas(64) float tile[16 * 32];
  const float* rows[16];
  for (int xi = 0; xi < 16; ++xi) {
    const float* vx = v + xi * per_block * cin;
    float* mx = m + xi * per_block * cout;
    for (int64_t panel = 0; panel < panels; ++panel) {
      const float* up = u + (xi * panels + panel) * cin * nr;
      const int64_t j = panel * nr, cols = std::min<int64_t>(nr, cout - j);
      for (int64_t q = 0; q < count; q += mr) {
        const int64_t valid = std::min<int64_t>(mr, count - q);
        float* c = mx + q * cout + j;
        const bool edge = valid < mr || cols < nr;
        for (int64_t k0 = 0; k0 < cin; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, cin - k0);
          for (int r = 0; r < mr; ++r) rows[r] = (r < valid ? vx + (q + r) * cin : zeros) + k0;
          if (edge) kern.run_indirect(kc, rows, up + k0 * nr, nr, tile, nr, k0 > 0);
          else kern.run_indirect(kc, rows, up + k0 * nr, nr, c, cout, k0 > 0);
        }
        if (edge)
          for (int64_t r = 0; r < valid; ++r) std::memcpy(c + r * cout, tile + r * nr, sizeof(float) * cols);
      }
    }
  }
}

}  // namespace

void conv2d_winograd(const float* x, const WinogradShape& s, const float* kernel, bool flip_swap,
                     const GemmEpilogue& epilogue, float* y, float* scratch) {
  g_calls.fetch_add(1, std::memory_order_relaxed);
  const GemmKernel kern = gemm_kernel_for_cpu();
  // The edge tile and the row pointers above hold at most 16 x 32.
  check(kern.mr <= 16 && kern.nr <= 32, ErrorKind::Runtime, "Winograd: micro-kernel tile larger than 16 x 32");
  const int64_t cin = s.cin, cout = s.cout;
  // Depth blocks with a micro-panel of U in L1 (one pass for up to KC input channels).
  const int64_t kc_max = gemm_blocking().kc;
  float* u = scratch;
  transform_kernel(kernel, cin, cout, flip_swap, kern.nr, u);
  const int64_t tiles_y = (s.oh + 1) / 2, tiles_x = (s.ow + 1) / 2, tiles = s.n * tiles_y * tiles_x;
  const int64_t per_block = block_tiles(cin, cout, tiles, kern.mr), blocks = (tiles + per_block - 1) / per_block;
  const bool activation = epilogue.activation != Activation::Linear;
  // Each block runs on one thread: transforms, 16 GEMMs, output transform. Blocks never
  // share an output, so the result does not depend on the thread count.
  parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
    const int64_t v_floats = 16 * per_block * cin, m_floats = 16 * per_block * cout;
    float* v = t_tiles.ensure(static_cast<size_t>(v_floats + m_floats + cin + cout));
    float* m = v + v_floats;
    float* zeros = m + m_floats;  // the padding's pixels (and rows past a block's tiles), then the bias
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
      multiply_block(kern, kc_max, v, count, cin, u, cout, zeros, m, per_block);
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

// ---- The kernel gradient, Winograd F(3x3, 2x2).
// dW[ky, kx] = sum over n, oy, ox of x[n, oy + ky - pad_top, ox + kx - pad_left] dy[n, oy, ox]
// is, per 2x2 tile of dy (a 2x2 "filter" g) and its 4x4 input patch d, a 3x3 correlation of d
// with g: F(3, 2) in each axis, with the same B^T as the forward (so the input tiles reuse
// transform_input_tile) and
//   G = [1 0; .5 .5; .5 -.5; 0 -1],  A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1]
// (Toom-Cook at 0, 1, -1, infinity; the last row's sign moved from B^T into G). Summed over
// tiles, M[xi] (cin x cout) = V[xi]^T U[xi] is 16 GEMMs of depth `tiles`, and
// dW = A^T M A: 16 multiplies per (tile, cin, cout) instead of 36.
namespace {

std::atomic<int64_t> g_grad_kernel_calls{0};

// The groups of blocks whose M are summed apart (each on one thread), then added in group
// order: fixed by the problem alone, so the result does not depend on the thread count.
// Four keep two threads (this machine) busy to within one block and the partial sums to
// 3 x 9 x cin x cout floats of scratch.
constexpr int64_t kMaxGradGroups = 4;

// Tiles per block: V (16 x tiles x cin) and U (16 x tiles x cout) together at most about
// 1.5 MiB (128 -> 128 channels: 96 tiles), the forward's budget; each GEMM reads 1/16 of
// them and writes its 1/16 of M (cin x cout), which stays in cache across the blocks.
int64_t grad_block_tiles(int64_t cin, int64_t cout) {
  return std::max<int64_t>(16, (int64_t(3) << 17) / (16 * (cin + cout)) / 16 * 16);
}

int64_t grad_groups(const WinogradShape& s) {
  const int64_t tiles = s.n * ((s.oh + 1) / 2) * ((s.ow + 1) / 2), per_block = grad_block_tiles(s.cin, s.cout);
  return std::min(kMaxGradGroups, std::max<int64_t>(1, (tiles + per_block - 1) / per_block));
}

// U[xi][tile][co] = (G g G^T)[xi] of one tile's 2x2 block of dy (rows[y][x] point at its
// pixels, or at zeros past the output's edge).
void transform_dy_tile(const float* const rows[2][2], int64_t cout, float* u, int64_t xi_stride) {
  float t[4][2][kChunk];
  for (int64_t c0 = 0; c0 < cout; c0 += kChunk) {
    const int64_t len = std::min(kChunk, cout - c0);
    for (int x = 0; x < 2; ++x) {  // G g, column by column
      const float *g0 = rows[0][x] + c0, *g1 = rows[1][x] + c0;
      for (int64_t c = 0; c < len; ++c) {
        t[0][x][c] = g0[c];
        t[1][x][c] = 0.5f * (g0[c] + g1[c]);
        t[2][x][c] = 0.5f * (g0[c] - g1[c]);
        t[3][x][c] = -g1[c];
      }
    }
    for (int i = 0; i < 4; ++i) {  // (G g) G^T, row by row
      float* u0 = u + (i * 4) * xi_stride + c0;
      float* u1 = u0 + xi_stride;
      float* u2 = u1 + xi_stride;
      float* u3 = u2 + xi_stride;
      for (int64_t c = 0; c < len; ++c) {
        u0[c] = t[i][0][c];
        u1[c] = 0.5f * (t[i][0][c] + t[i][1][c]);
        u2[c] = 0.5f * (t[i][0][c] - t[i][1][c]);
        u3[c] = -t[i][1][c];
      }
    }
  }
}

// dw[(k * cin + ci) * cout + co] = (A^T M A)[k] for k = ky * 3 + kx, M[xi] (cin x cout).
void transform_grad_output(const float* m, int64_t cin, int64_t cout, float* dw) {
  const int64_t xi_stride = cin * cout;
  float t[3][4][kChunk];
  for (int64_t ci = 0; ci < cin; ++ci)
    for (int64_t c0 = 0; c0 < cout; c0 += kChunk) {
      const int64_t len = std::min(kChunk, cout - c0);
      for (int x = 0; x < 4; ++x) {  // A^T M, column by column
        const float* m0 = m + x * xi_stride + ci * cout + c0;
        const float* m1 = m0 + 4 * xi_stride;
        const float* m2 = m1 + 4 * xi_stride;
        const float* m3 = m2 + 4 * xi_stride;
        for (int64_t c = 0; c < len; ++c) {
          t[0][x][c] = m0[c] + m1[c] + m2[c];
          t[1][x][c] = m1[c] - m2[c];
          t[2][x][c] = m1[c] + m2[c] + m3[c];
        }
      }
      for (int i = 0; i < 3; ++i) {  // (A^T M) A, row by row
        float* w0 = dw + ((i * 3) * cin + ci) * cout + c0;
        float* w1 = w0 + cin * cout;
        float* w2 = w1 + cin * cout;
        for (int64_t c = 0; c < len; ++c) {
          w0[c] = t[i][0][c] + t[i][1][c] + t[i][2][c];
          w1[c] = t[i][1][c] - t[i][2][c];
          w2[c] = t[i][1][c] + t[i][2][c] + t[i][3][c];
        }
      }
    }
}

}  // namespace

int64_t conv2d_winograd_grad_kernel_scratch(const WinogradShape& s) {
  return (grad_groups(s) - 1) * 9 * s.cin * s.cout;
}

void conv2d_winograd_grad_kernel(const float* x, const WinogradShape& s, const float* dy, float* d_kernel,
                                 float* scratch) {
  g_grad_kernel_calls.fetch_add(1, std::memory_order_relaxed);
  const int64_t cin = s.cin, cout = s.cout, weights = 9 * cin * cout;
  const int64_t tiles_y = (s.oh + 1) / 2, tiles_x = (s.ow + 1) / 2, tiles = s.n * tiles_y * tiles_x;
  const int64_t per_block = grad_block_tiles(cin, cout), blocks = (tiles + per_block - 1) / per_block;
  const int64_t groups = grad_groups(s);
  // Group g sums blocks [g * blocks / groups, (g + 1) * blocks / groups) into its M (this
  // thread's buffer), then writes A^T M A to d_kernel (group 0) or its partial in scratch.
  parallel_for(groups, 1, [&](int64_t g0, int64_t g1) {
    const int64_t v_floats = 16 * per_block * cin, u_floats = 16 * per_block * cout, m_floats = 16 * cin * cout;
    float* v = t_tiles.ensure(static_cast<size_t>(v_floats + u_floats + m_floats + std::max(cin, cout)));
    float* u = v + v_floats;
    float* m = u + u_floats;
    float* zeros = m + m_floats;  // the padding's pixels and dy past the output's edge
    std::fill(zeros, zeros + std::max(cin, cout), 0.0f);
    for (int64_t grp = g0; grp < g1; ++grp) {
      const int64_t b0 = grp * blocks / groups, b1 = (grp + 1) * blocks / groups;
      for (int64_t blk = b0; blk < b1; ++blk) {
        const int64_t first = blk * per_block, count = std::min(per_block, tiles - first);
        for (int64_t t = 0; t < count; ++t) {
          const int64_t tile = first + t, image = tile / (tiles_y * tiles_x), ty = (tile / tiles_x) % tiles_y,
                        tx = tile % tiles_x;
          const float* rows[4][4];
          for (int i = 0; i < 4; ++i) {
            const int64_t iy = 2 * ty - s.pad_top + i;
            for (int j = 0; j < 4; ++j) {
              const int64_t ix = 2 * tx - s.pad_left + j;
              rows[i][j] =
                  iy >= 0 && iy < s.h && ix >= 0 && ix < s.w ? x + ((image * s.h + iy) * s.w + ix) * cin : zeros;
            }
          }
          transform_input_tile(rows, cin, v + t * cin, per_block * cin);
          const float* dy_rows[2][2];
          for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j) {
              const int64_t oy = 2 * ty + i, ox = 2 * tx + j;
              dy_rows[i][j] = oy < s.oh && ox < s.ow ? dy + ((image * s.oh + oy) * s.ow + ox) * cout : zeros;
            }
          transform_dy_tile(dy_rows, cout, u + t * cout, per_block * cout);
        }
        for (int xi = 0; xi < 16; ++xi)  // M[xi] (+)= V[xi]^T U[xi]
          gemm<float>(true, false, cin, cout, count, v + xi * per_block * cin, cin, u + xi * per_block * cout, cout,
                      m + xi * cin * cout, cout, blk > b0);
      }
      transform_grad_output(m, cin, cout, grp == 0 ? d_kernel : scratch + (grp - 1) * weights);
    }
  });
  // d_kernel = the groups' sums added in group order.
  if (groups > 1)
    parallel_for(weights, 4096, [&](int64_t b, int64_t e) {
      for (int64_t grp = 1; grp < groups; ++grp) {
        const float* part = scratch + (grp - 1) * weights;
        for (int64_t i = b; i < e; ++i) d_kernel[i] += part[i];
      }
    });
}

int64_t winograd_grad_kernel_call_count() { return g_grad_kernel_calls.load(std::memory_order_relaxed); }

}  // namespace dagnet::cpu
