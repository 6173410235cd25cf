#include "cpu/conv1d_winograd.h"

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

constexpr int kM = 4;          // outputs per tile
constexpr int kMaxTaps = 5;    // r
constexpr int kMaxAlpha = 8;   // r + 3 points
constexpr int64_t kChunk = 64;  // channels per pass of the transforms (alpha rows stay in L1)

// F(4, r)'s matrices, built at compile time in double from the points and rounded once to
// float: E_n (alpha x n) evaluates a polynomial of n coefficients at the points (the last
// row, infinity, takes its leading coefficient). Then G = E_r, A^T = E_4^T and
// B^T = E_alpha^-T: the correlation y = A^T ((G g) . (B^T d)) is the transpose of the
// Toom-Cook linear convolution C ((E_4 h) . (E_r g)), C = E_alpha^-1. Compile-time tables
// let the transforms fold their zeros and ones.
struct Transforms {
  int alpha = 0, r = 0;
  float bt[kMaxAlpha][kMaxAlpha] = {};
  float g[kMaxAlpha][kMaxTaps] = {};
  float at[kM][kMaxAlpha] = {};
};

struct Matrix {
  double e[kMaxAlpha][kMaxAlpha] = {};
};

constexpr Matrix evaluation(int alpha, int n) {
  const double points[kMaxAlpha - 1] = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};
  Matrix m;
  for (int j = 0; j < alpha; ++j) {
    double power = 1.0;
    for (int k = 0; k < n; ++k) {
      m.e[j][k] = j < alpha - 1 ? power : (k == n - 1 ? 1.0 : 0.0);
      if (j < alpha - 1) power *= points[j];
    }
  }
  return m;
}

constexpr double magnitude(double v) { return v < 0 ? -v : v; }

constexpr Transforms make_transforms(int r) {
  const int alpha = kM + r - 1;
  Transforms t;
  t.alpha = alpha;
  t.r = r;
  const Matrix g = evaluation(alpha, r), a4 = evaluation(alpha, kM);
  for (int j = 0; j < alpha; ++j)
    for (int k = 0; k < r; ++k) t.g[j][k] = static_cast<float>(g.e[j][k]);
  for (int i = 0; i < kM; ++i)
    for (int j = 0; j < alpha; ++j) t.at[i][j] = static_cast<float>(a4.e[j][i]);
  // E_alpha^-1 by Gauss-Jordan elimination with partial pivoting (alpha <= 8, exact points).
  Matrix a = evaluation(alpha, alpha), inv;
  for (int i = 0; i < alpha; ++i) inv.e[i][i] = 1.0;
  for (int col = 0; col < alpha; ++col) {
    int pivot = col;
    for (int row = col + 1; row < alpha; ++row)
      if (magnitude(a.e[row][col]) > magnitude(a.e[pivot][col])) pivot = row;
    for (int k = 0; k < alpha; ++k) {
      const double x = a.e[col][k], y = inv.e[col][k];
      a.e[col][k] = a.e[pivot][k];
      inv.e[col][k] = inv.e[pivot][k];
      a.e[pivot][k] = x;
      inv.e[pivot][k] = y;
    }
    const double scale = 1.0 / a.e[col][col];
    for (int k = 0; k < alpha; ++k) {
      a.e[col][k] *= scale;
      inv.e[col][k] *= scale;
    }
    for (int row = 0; row < alpha; ++row) {
      const double f = a.e[row][col];
      if (row == col || f == 0.0) continue;
      for (int k = 0; k < alpha; ++k) {
        a.e[row][k] -= f * a.e[col][k];
        inv.e[row][k] -= f * inv.e[col][k];
      }
    }
  }
  // B^T = (E^-1)^T; entries that are zero but for the elimination's rounding are zero.
  for (int i = 0; i < alpha; ++i)
    for (int j = 0; j < alpha; ++j)
      t.bt[i][j] = magnitude(inv.e[j][i]) < 1e-12 ? 0.0f : static_cast<float>(inv.e[j][i]);
  return t;
}

template <int R>
struct Tables {
  static constexpr Transforms t = make_transforms(R);
};

// Per-thread tile buffers (V and M of one block of tiles), grown once and reused.
struct TileBuffer {
  float* data = nullptr;
  size_t capacity = 0;
  float* ensure(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      capacity = std::max(floats, capacity * 2);
      data = static_cast<float*>(std::aligned_alloc(64, (capacity * sizeof(float) + 63) / 64 * 64));
      check(data != nullptr, ErrorKind::Memory, "out of memory for 1-D Winograd convolution tiles");
    }
    return data;
  }
  ~TileBuffer() { std::free(data); }
};
thread_local TileBuffer t_tiles;

// Tiles per block: whole MR-row tiles, V (alpha x tiles x cin) and M (alpha x tiles x cout)
// together at most about 1.5 MiB, the 2-D path's measured budget; small problems are cut
// into at least 16 blocks so two threads finish together. A tile's outputs are the same
// bits in any block, so the block size never changes a result.
int64_t block_tiles(int alpha, int64_t cin, int64_t cout, int64_t tiles, int mr) {
  const int64_t fit_rows = std::max<int64_t>(1, (int64_t(3) << 17) / (alpha * (cin + cout)) / mr);
  const int64_t row_tiles = (tiles + mr - 1) / mr;
  return mr * std::min(fit_rows, std::max<int64_t>(1, (row_tiles + 15) / 16));
}

// U[xi][panel][ci][c] = (G g)[xi] for filter co = panel * nr + c (zeros past cout): the
// kernel as NR-column GEMM panels. Vectorises over filters (one per iteration).
template <int R, bool kFlipSwap>
void transform_kernel_rows(const float* kernel, int64_t cin, int64_t cout, int nr, int64_t ci, float* u) {
  constexpr Transforms tr = Tables<R>::t;
  constexpr int alpha = tr.alpha;
  const int64_t panels = (cout + nr - 1) / nr;
  for (int64_t panel = 0; panel < panels; ++panel) {
    float* out[alpha];
    for (int xi = 0; xi < alpha; ++xi) out[xi] = u + ((xi * panels + panel) * cin + ci) * nr;
    const int64_t j = panel * nr, cols = std::min<int64_t>(nr, cout - j);
#pragma GCC ivdep
    for (int64_t c = 0; c < cols; ++c) {
      const int64_t co = j + c;
      float g[R];
      for (int k = 0; k < R; ++k)
        g[k] = kFlipSwap ? kernel[((R - 1 - k) * cout + co) * cin + ci] : kernel[(k * cin + ci) * cout + co];
      for (int xi = 0; xi < alpha; ++xi) {
        float sum = 0.0f;
        for (int k = 0; k < R; ++k) sum += tr.g[xi][k] * g[k];
        out[xi][c] = sum;
      }
    }
    for (int xi = 0; xi < alpha; ++xi) std::fill(out[xi] + cols, out[xi] + nr, 0.0f);  // past cout
  }
}

template <int R>
void transform_kernel(const float* kernel, int64_t cin, int64_t cout, bool flip_swap, int nr, float* u) {
  parallel_for(cin, 8, [&](int64_t b, int64_t e) {
    for (int64_t ci = b; ci < e; ++ci) {
      if (flip_swap) transform_kernel_rows<R, true>(kernel, cin, cout, nr, ci, u);
      else transform_kernel_rows<R, false>(kernel, cin, cout, nr, ci, u);
    }
  });
}

// V[xi][tile][ci] = (B^T d)[xi] of one tile's alpha input pixels (d[j] points at a pixel
// or at zeros in the padding). One channel per iteration, all alpha rows in registers: the
// loop vectorises over channels and the compile-time B^T folds its zeros and ones.
template <int R>
void transform_input_tile(const float* const d[], int64_t cin, float* v, int64_t xi_stride) {
  constexpr Transforms tr = Tables<R>::t;
  constexpr int alpha = tr.alpha;
  const float* in[alpha];
  float* out[alpha];
  for (int j = 0; j < alpha; ++j) {
    in[j] = d[j];
    out[j] = v + j * xi_stride;
  }
#pragma GCC ivdep
  for (int64_t c = 0; c < cin; ++c) {
    float x[alpha];
#pragma GCC unroll 8
    for (int j = 0; j < alpha; ++j) x[j] = in[j][c];
#pragma GCC unroll 8
    for (int xi = 0; xi < alpha; ++xi) {
      float sum = 0.0f;
#pragma GCC unroll 8
      for (int j = 0; j < alpha; ++j)
        if (tr.bt[xi][j] != 0.0f) sum += tr.bt[xi][j] * x[j];
      out[xi][c] = sum;
    }
  }
}

// The 4 outputs (A^T M + bias) of one tile; out[i] is null past the output's edge (the
// outputs of such a tile go to `spare` rows, then the valid ones are copied).
template <int R>
void transform_output_tile(const float* m, int64_t xi_stride, int64_t cout, const float* bias, float* const out[kM],
                           float* spare) {
  constexpr Transforms tr = Tables<R>::t;
  constexpr int alpha = tr.alpha;
  const float* in[alpha];
  for (int xi = 0; xi < alpha; ++xi) in[xi] = m + xi * xi_stride;
  float* dst[kM];
  for (int i = 0; i < kM; ++i) dst[i] = out[i] ? out[i] : spare + i * cout;
#pragma GCC ivdep
  for (int64_t c = 0; c < cout; ++c) {
    float x[alpha];
#pragma GCC unroll 8
    for (int xi = 0; xi < alpha; ++xi) x[xi] = in[xi][c];
#pragma GCC unroll 4
    for (int i = 0; i < kM; ++i) {
      float sum = bias[c];
#pragma GCC unroll 8
      for (int xi = 0; xi < alpha; ++xi)
        if (tr.at[i][xi] != 0.0f) sum += tr.at[i][xi] * x[xi];
      dst[i][c] = sum;
    }
  }
}

// M[xi] (count x cout) = V[xi] (count x cin) . U[xi] for one block: the micro-kernel reads
// V's rows in place (run_indirect) and U's panels as packed; a last row tile past `count`
// reads the zero row and a last panel past cout writes through `tile`.
void multiply_block(const GemmKernel& kern, int alpha, int64_t kc_max, const float* v, int64_t count, int64_t cin,
                    const float* u, int64_t cout, const float* zeros, float* m, int64_t per_block) {
  const int mr = kern.mr, nr = kern.nr;
  const int64_t panels = (cout + nr - 1) / nr;
  alignas(64) float tile[16 * 32];
  const float* rows[16];
  for (int xi = 0; xi < alpha; ++xi) {
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

namespace {

template <int R>
void run(const float* x, const Winograd1dShape& s, const float* kernel, bool flip_swap, const GemmEpilogue& epilogue,
         float* y, float* scratch) {
  constexpr int alpha = Tables<R>::t.alpha;
  const GemmKernel kern = gemm_kernel_for_cpu();
  check(kern.mr <= 16 && kern.nr <= 32, ErrorKind::Runtime, "1-D Winograd: micro-kernel tile larger than 16 x 32");
  const int64_t cin = s.cin, cout = s.cout;
  const int64_t kc_max = gemm_blocking().kc;
  float* u = scratch;
  transform_kernel<R>(kernel, cin, cout, flip_swap, kern.nr, u);
  const int64_t tiles_x = (s.ow + kM - 1) / kM, tiles = s.n * tiles_x;
  const int64_t per_block = block_tiles(alpha, cin, cout, tiles, kern.mr), blocks = (tiles + per_block - 1) / per_block;
  const bool activation = epilogue.activation != Activation::Linear;
  // Each block runs on one thread: transforms, alpha GEMMs, output transform. Blocks never
  // share an output, so the result does not depend on the thread count.
  parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
    const int64_t v_floats = alpha * per_block * cin, m_floats = alpha * per_block * cout;
    float* v = t_tiles.ensure(static_cast<size_t>(v_floats + m_floats + cin + cout + kM * cout));
    float* m = v + v_floats;
    float* zeros = m + m_floats;  // the padding's pixels (and rows past a block's tiles), then the bias
    float* bias = zeros + cin;
    float* spare = bias + cout;  // outputs of an edge tile past the output's end
    std::fill(zeros, zeros + cin, 0.0f);
    if (epilogue.bias) std::copy(epilogue.bias, epilogue.bias + cout, bias);
    else std::fill(bias, bias + cout, 0.0f);
    for (int64_t blk = b; blk < e; ++blk) {
      const int64_t first = blk * per_block, count = std::min(per_block, tiles - first);
      for (int64_t t = 0; t < count; ++t) {
        const int64_t tile = first + t, image = tile / tiles_x, tx = tile % tiles_x;
        const float* d[alpha];
        for (int j = 0; j < alpha; ++j) {
          const int64_t ix = kM * tx - s.pad_left + j;
          d[j] = ix >= 0 && ix < s.w ? x + (image * s.w + ix) * cin : zeros;
        }
        transform_input_tile<R>(d, cin, v + t * cin, per_block * cin);
      }
      multiply_block(kern, alpha, kc_max, v, count, cin, u, cout, zeros, m, per_block);
      for (int64_t t = 0; t < count; ++t) {
        const int64_t tile = first + t, image = tile / tiles_x, tx = tile % tiles_x;
        float* out[kM];
        for (int i = 0; i < kM; ++i) {
          const int64_t ox = kM * tx + i;
          out[i] = ox < s.ow ? y + (image * s.ow + ox) * cout : nullptr;
        }
        transform_output_tile<R>(m + t * cout, per_block * cout, cout, bias, out, spare);
        if (activation)
          for (int i = 0; i < kM; ++i)
            if (out[i]) activation_forward_serial<float>(epilogue.activation, epilogue.alpha, out[i], out[i], cout);
      }
    }
  });
}

}  // namespace

void conv1d_winograd(const float* x, const Winograd1dShape& s, const float* kernel, bool flip_swap,
                     const GemmEpilogue& epilogue, float* y, float* scratch) {
  g_calls.fetch_add(1, std::memory_order_relaxed);
  check(s.r == 3 || s.r == 5, ErrorKind::Runtime, "1-D Winograd: only 3- and 5-tap windows");
  if (s.r == 3) run<3>(x, s, kernel, flip_swap, epilogue, y, scratch);
  else run<5>(x, s, kernel, flip_swap, epilogue, y, scratch);
}

int64_t winograd_1d_call_count() { return g_calls.load(std::memory_order_relaxed); }

// ---- The kernel gradient, Winograd F(r, 4).
// dW[k] = sum over n, ox of x[n, ox + k - pad_left] dy[n, ox] is, per 4-output tile of dy
// (a 4-tap "filter") and its alpha input pixels, a correlation with r outputs: F(r, 4) on
// the same alpha = r + 3 points, whose matrices are the forward's transposed:
//   B^T the same (so the input tiles reuse transform_input_tile), G = A^T^T (alpha x 4),
//   A^T = G^T (r x alpha).
// Summed over tiles, M[xi] (cin x cout) = V[xi]^T U[xi] is alpha GEMMs of depth `tiles`,
// and dW = A^T M: alpha multiplies per (tile, cin, cout) instead of 4 r.
namespace {

std::atomic<int64_t> g_grad_kernel_calls{0};

// The groups of blocks whose M are summed apart (each on one thread), then added in group
// order: fixed by the problem alone, so the result does not depend on the thread count
// (the 2-D path's choice: 4 groups keep two threads busy to within one block).
constexpr int64_t kMaxGradGroups = 4;

// Tiles per block: V (alpha x tiles x cin) and U (alpha x tiles x cout) together at most
// about 1.5 MiB, whole 16-tile steps.
int64_t grad_block_tiles(int alpha, int64_t cin, int64_t cout) {
  return std::max<int64_t>(16, (int64_t(3) << 17) / (alpha * (cin + cout)) / 16 * 16);
}

int64_t grad_groups(const Winograd1dShape& s) {
  const int64_t tiles = s.n * ((s.ow + kM - 1) / kM),
                per_block = grad_block_tiles(static_cast<int>(s.r) + 3, s.cin, s.cout);
  return std::min(kMaxGradGroups, std::max<int64_t>(1, (tiles + per_block - 1) / per_block));
}

// U[xi][tile][co] = (G g)[xi] of one tile's 4 pixels of dy (rows[i] point at them, or at
// zeros past the output's end); G[xi][i] = the forward's A^T[i][xi].
template <int R>
void transform_dy_tile(const float* const rows[kM], int64_t cout, float* u, int64_t xi_stride) {
  constexpr Transforms tr = Tables<R>::t;
  constexpr int alpha = tr.alpha;
  const float* in[kM];
  float* out[alpha];
  for (int i = 0; i < kM; ++i) in[i] = rows[i];
  for (int xi = 0; xi < alpha; ++xi) out[xi] = u + xi * xi_stride;
#pragma GCC ivdep
  for (int64_t c = 0; c < cout; ++c) {
    float g[kM];
#pragma GCC unroll 4
    for (int i = 0; i < kM; ++i) g[i] = in[i][c];
#pragma GCC unroll 8
    for (int xi = 0; xi < alpha; ++xi) {
      float sum = 0.0f;
#pragma GCC unroll 4
      for (int i = 0; i < kM; ++i)
        if (tr.at[i][xi] != 0.0f) sum += tr.at[i][xi] * g[i];
      out[xi][c] = sum;
    }
  }
}

// dw[(k * cin + ci) * cout + co] = (A^T M)[k], A^T[k][xi] = the forward's G[xi][k].
template <int R>
void transform_grad_output(const float* m, int64_t cin, int64_t cout, float* dw) {
  constexpr Transforms tr = Tables<R>::t;
  constexpr int alpha = tr.alpha;
  const int64_t plane = cin * cout;
  const float* in[alpha];
  float* out[R];
  for (int xi = 0; xi < alpha; ++xi) in[xi] = m + xi * plane;
  for (int k = 0; k < R; ++k) out[k] = dw + k * plane;
#pragma GCC ivdep
  for (int64_t e = 0; e < plane; ++e) {
    float x[alpha];
#pragma GCC unroll 8
    for (int xi = 0; xi < alpha; ++xi) x[xi] = in[xi][e];
#pragma GCC unroll 5
    for (int k = 0; k < R; ++k) {
      float sum = 0.0f;
#pragma GCC unroll 8
      for (int xi = 0; xi < alpha; ++xi)
        if (tr.g[xi][k] != 0.0f) sum += tr.g[xi][k] * x[xi];
      out[k][e] = sum;
    }
  }
}

template <int R>
void run_grad_kernel(const float* x, const Winograd1dShape& s, const float* dy, float* d_kernel, float* scratch) {
  constexpr int alpha = Tables<R>::t.alpha;
  const int64_t cin = s.cin, cout = s.cout, weights = R * cin * cout;
  const int64_t tiles_x = (s.ow + kM - 1) / kM, tiles = s.n * tiles_x;
  const int64_t per_block = grad_block_tiles(alpha, cin, cout), blocks = (tiles + per_block - 1) / per_block;
  const int64_t groups = grad_groups(s);
  // Group g sums blocks [g * blocks / groups, (g + 1) * blocks / groups) into its M (this
  // thread's buffer), then writes A^T M to d_kernel (group 0) or its partial in scratch.
  parallel_for(groups, 1, [&](int64_t g0, int64_t g1) {
    const int64_t v_floats = alpha * per_block * cin, u_floats = alpha * per_block * cout,
                  m_floats = alpha * cin * cout;
    float* v = t_tiles.ensure(static_cast<size_t>(v_floats + u_floats + m_floats + std::max(cin, cout)));
    float* u = v + v_floats;
    float* m = u + u_floats;
    float* zeros = m + m_floats;  // the padding's pixels and dy past the output's end
    std::fill(zeros, zeros + std::max(cin, cout), 0.0f);
    for (int64_t grp = g0; grp < g1; ++grp) {
      const int64_t b0 = grp * blocks / groups, b1 = (grp + 1) * blocks / groups;
      for (int64_t blk = b0; blk < b1; ++blk) {
        const int64_t first = blk * per_block, count = std::min(per_block, tiles - first);
        for (int64_t t = 0; t < count; ++t) {
          const int64_t tile = first + t, image = tile / tiles_x, tx = tile % tiles_x;
          const float* d[alpha];
          for (int j = 0; j < alpha; ++j) {
            const int64_t ix = kM * tx - s.pad_left + j;
            d[j] = ix >= 0 && ix < s.w ? x + (image * s.w + ix) * cin : zeros;
          }
          transform_input_tile<R>(d, cin, v + t * cin, per_block * cin);
          const float* dy_rows[kM];
          for (int i = 0; i < kM; ++i) {
            const int64_t ox = kM * tx + i;
            dy_rows[i] = ox < s.ow ? dy + (image * s.ow + ox) * cout : zeros;
          }
          transform_dy_tile<R>(dy_rows, cout, u + t * cout, per_block * cout);
        }
        for (int xi = 0; xi < alpha; ++xi)  // M[xi] (+)= V[xi]^T U[xi]
          gemm<float>(true, false, cin, cout, count, v + xi * per_block * cin, cin, u + xi * per_block * cout, cout,
                      m + xi * cin * cout, cout, blk > b0);
      }
      transform_grad_output<R>(m, cin, cout, grp == 0 ? d_kernel : scratch + (grp - 1) * weights);
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

}  // namespace

int64_t conv1d_winograd_grad_kernel_scratch(const Winograd1dShape& s) {
  return (grad_groups(s) - 1) * s.r * s.cin * s.cout;
}

void conv1d_winograd_grad_kernel(const float* x, const Winograd1dShape& s, const float* dy, float* d_kernel,
                                 float* scratch) {
  g_grad_kernel_calls.fetch_add(1, std::memory_order_relaxed);
  check(s.r == 3 || s.r == 5, ErrorKind::Runtime, "1-D Winograd: only 3- and 5-tap windows");
  if (s.r == 3) run_grad_kernel<3>(x, s, dy, d_kernel, scratch);
  else run_grad_kernel<5>(x, s, dy, d_kernel, scratch);
}

int64_t winograd_1d_grad_kernel_call_count() { return g_grad_kernel_calls.load(std::memory_order_relaxed); }

}  // namespace dagnet::cpu
