#include "cpu/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/thread_pool.h"
#include "cpu/gemm_blocking.h"
#include "cpu/gemm_kernels.h"

namespace dagnet::cpu {

namespace {
constexpr int kMaxMR = 16, kMaxNR = 32;

// A grow-only, 64-byte aligned scratch area; one per thread, reused across calls so the
// steady state allocates nothing.
struct PackBuffer {
  float* data = nullptr;
  size_t capacity = 0;
  float* ensure(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      capacity = std::max(floats, capacity * 2);
      data = static_cast<float*>(std::aligned_alloc(64, (capacity * sizeof(float) + 63) / 64 * 64));
      check(data != nullptr, ErrorKind::Memory, "out of memory packing a GEMM operand");
    }
    return data;
  }
  ~PackBuffer() { std::free(data); }
};
thread_local PackBuffer t_pack_a, t_pack_b;

struct Problem {
  bool ta, tb;
  int64_t M, N, K;
  const float *A, *B;
  int64_t lda, ldb;
  float* C;
  int64_t ldc;
  bool accumulate;
  const GemmEpilogue* epilogue;
};

// Rows [i0, i0 + mc) and depths [p0, p0 + kc) of op(A) as MR-row panels, zero-padded.
void pack_a(const Problem& p, int64_t i0, int64_t mc, int64_t p0, int64_t kc, int mr, float* dst) {
  for (int64_t q = 0; q < mc; q += mr, dst += mr * kc) {
    const int64_t rows = std::min<int64_t>(mr, mc - q);
    if (p.ta) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = p.A + (p0 + k) * p.lda + i0 + q;
        float* out = dst + k * mr;
        for (int64_t r = 0; r < rows; ++r) out[r] = src[r];
        for (int64_t r = rows; r < mr; ++r) out[r] = 0.0f;
      }
    } else {
      for (int64_t r = 0; r < rows; ++r) {
        const float* src = p.A + (i0 + q + r) * p.lda + p0;
        for (int64_t k = 0; k < kc; ++k) dst[k * mr + r] = src[k];
      }
      for (int64_t r = rows; r < mr; ++r)
        for (int64_t k = 0; k < kc; ++k) dst[k * mr + r] = 0.0f;
    }
  }
}

// Panel `panel` (NR columns from j0 + panel * nr) of op(B) rows [p0, p0 + kc), zero-padded.
void pack_b_panel(const Problem& p, int64_t j0, int64_t nc, int64_t panel, int64_t p0, int64_t kc, int nr, float* dst) {
  const int64_t j = j0 + panel * nr, cols = std::min<int64_t>(nr, nc - panel * nr);
  if (p.tb) {
    for (int64_t c = 0; c < cols; ++c) {
      const float* src = p.B + (j + c) * p.ldb + p0;
      for (int64_t k = 0; k < kc; ++k) dst[k * nr + c] = src[k];
    }
    for (int64_t c = cols; c < nr; ++c)
      for (int64_t k = 0; k < kc; ++k) dst[k * nr + c] = 0.0f;
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = p.B + (p0 + k) * p.ldb + j;
      float* out = dst + k * nr;
      std::memcpy(out, src, sizeof(float) * cols);
      for (int64_t c = cols; c < nr; ++c) out[c] = 0.0f;
    }
  }
}

void apply_epilogue(const GemmEpilogue& e, float* c, int64_t ldc, int64_t rows, int64_t j, int64_t cols) {
  if (e.bias)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t x = 0; x < cols; ++x) c[r * ldc + x] += e.bias[j + x];
  if (e.activation == Activation::Linear) return;
  if (ldc == cols) {  // rows back to back (narrow outputs): one run, not one short call per row
    activation_forward_serial<float>(e.activation, e.alpha, c, c, rows * cols);
    return;
  }
  for (int64_t r = 0; r < rows; ++r)
    activation_forward_serial<float>(e.activation, e.alpha, c + r * ldc, c + r * ldc, cols);
}

// Multiplies packed A rows [i0, i0 + mc) by B panels [first, last) into C. With
// direct_b, full panels are read in place from row-major B (rows p0.. of it); only a
// partial last panel comes from the packed buffer.
void macro_kernel(const Problem& p, const GemmKernel& kern, const float* a_packed, int64_t i0, int64_t mc,
                  const float* b_packed, int64_t j0, int64_t nc, int64_t first_panel, int64_t last_panel, int64_t p0,
                  int64_t kc, bool accumulate, bool last_depth, bool direct_b) {
  const int mr = kern.mr, nr = kern.nr;
  alignas(64) float tile[kMaxMR * kMaxNR];
  const bool epilogue = last_depth && p.epilogue && (p.epilogue->bias || p.epilogue->activation != Activation::Linear);
  for (int64_t panel = first_panel; panel < last_panel; ++panel) {
    const int64_t j = j0 + panel * nr, cols = std::min<int64_t>(nr, nc - panel * nr);
    const bool in_place = direct_b && cols == nr;
    const float* b = in_place ? p.B + p0 * p.ldb + j : b_packed + panel * nr * kc;
    const int64_t b_stride = in_place ? p.ldb : nr;
    const MicroKernel run = cols <= nr / 2 ? kern.run_half : kern.run;  // a narrow last panel: half the work
    for (int64_t q = 0; q < mc; q += mr) {
      const int64_t i = i0 + q, rows = std::min<int64_t>(mr, mc - q);
      const float* a = a_packed + q * kc;
      float* c = p.C + i * p.ldc + j;
      if (rows == mr && cols == nr) {
        kern.run(kc, a, b, b_stride, c, p.ldc, accumulate);
      } else {  // edge tile: compute into a full tile, copy the valid part
        if (accumulate)
          for (int64_t r = 0; r < rows; ++r) std::memcpy(tile + r * nr, c + r * p.ldc, sizeof(float) * cols);
        run(kc, a, b, b_stride, tile, nr, accumulate);
        for (int64_t r = 0; r < rows; ++r) std::memcpy(c + r * p.ldc, tile + r * nr, sizeof(float) * cols);
      }
      if (epilogue) apply_epilogue(*p.epilogue, c, p.ldc, rows, j, cols);
    }
  }
}

// Rows per A block when many rows are shared out: at most the cache-derived MC, and
// the blocks a multiple of the thread count, so the threads (which share each packed B
// panel and split this loop, BLIS's ic loop) get equal rows: 512 rows in 192-row blocks
// left one of two threads idle a third of the time. Rows of C never share a dot
// product, so this changes no result.
int64_t balanced_mc(int64_t M, int64_t mc_max, int mr, int threads) {
  const int64_t t = std::max(1, threads);
  const int64_t blocks = t * ((M + t * mc_max - 1) / (t * mc_max));
  const int64_t rows = (M + blocks - 1) / blocks;
  return std::min(mc_max, (rows + mr - 1) / mr * mr);
}

// Very few rows of a row-major A (a dense layer at batch 1): each row times each B panel
// through the one-row kernel, with no A packing and no MR-row tile padded with zero rows.
// The same K blocks, B panels (in place, a partial last one packed) and per-element
// arithmetic as macro_kernel, so each row gets the bits it gets in a bigger batch.
void row_gemm(const Problem& p, const GemmKernel& kern, int64_t kc_block) {
  const int nr = kern.nr;
  const int64_t panels = (p.N + nr - 1) / nr;
  for (int64_t p0 = 0; p0 < p.K; p0 += kc_block) {
    const int64_t kc = std::min(kc_block, p.K - p0);
    const bool accumulate = p.accumulate || p0 > 0, last_depth = p0 + kc == p.K;
    const bool epilogue =
        last_depth && p.epilogue && (p.epilogue->bias || p.epilogue->activation != Activation::Linear);
    float* b_packed = nullptr;
    if (p.N % nr || p.tb) {
      b_packed = t_pack_b.ensure(static_cast<size_t>(panels * nr * kc));
      for (int64_t panel = p.tb ? 0 : panels - 1; panel < panels; ++panel)
        pack_b_panel(p, 0, p.N, panel, p0, kc, nr, b_packed + panel * nr * kc);
    }
    // Panels in parallel only when a chunk of them is real work (a wide or deep layer).
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, kc * nr * p.M));
    parallel_for(panels, grain, [&](int64_t first, int64_t last) {
      alignas(64) float tile[kMaxNR];
      for (int64_t panel = first; panel < last; ++panel) {
        const int64_t j = panel * nr, cols = std::min<int64_t>(nr, p.N - j);
        const bool in_place = !p.tb && cols == nr;
        const float* b = in_place ? p.B + p0 * p.ldb + j : b_packed + panel * nr * kc;
        const int64_t b_stride = in_place ? p.ldb : nr;
        for (int64_t i = 0; i < p.M; ++i) {
          const float* a = p.A + i * p.lda + p0;
          float* c = p.C + i * p.ldc + j;
          if (cols == nr) {
            kern.run_indirect_row(kc, &a, b, b_stride, c, p.ldc, accumulate);
          } else {
            if (accumulate) std::memcpy(tile, c, sizeof(float) * cols);
            kern.run_indirect_row(kc, &a, b, b_stride, tile, nr, accumulate);
            std::memcpy(c, tile, sizeof(float) * cols);
          }
          if (epilogue) apply_epilogue(*p.epilogue, c, p.ldc, 1, j, cols);
        }
      }
    });
  }
}

void packed_gemm(const Problem& p) {
  const GemmKernel kern = gemm_kernel_for_cpu();
  const GemmBlocking& blocks = gemm_blocking();
  const int mr = kern.mr, nr = kern.nr;
  const int threads = thread_pool().size();
  // With few rows each B panel is reused by few tiles, so L1 residency matters less than
  // the per-block cost (packing, C reloads, thread hand-offs): take deeper K blocks. Up
  // to kGemmUniformRows rows always count as few, so callers that share rows out between
  // threads in slices of at most that many get the same K blocking, and the same bits,
  // whatever the thread count (gemm.h). The threshold is per kernel, not per cache.
  const int64_t few_rows_mc = mr * 16;
  const bool few_rows = p.M <= std::max<int64_t>(2 * few_rows_mc, kGemmUniformRows);
  const int64_t kc_block = few_rows ? 4 * blocks.kc : blocks.kc;
  const int64_t mc_block = few_rows ? few_rows_mc : balanced_mc(p.M, blocks.mc, mr, threads);
  // Packing B pays only when many row tiles reuse it; with few rows, read it in place.
  const bool direct_b = few_rows && !p.tb;
  if (!p.ta && 4 * p.M <= mr) return row_gemm(p, kern, kc_block);
  for (int64_t j0 = 0; j0 < p.N; j0 += blocks.nc) {
    const int64_t nc = std::min(blocks.nc, p.N - j0);
    const int64_t panels = (nc + nr - 1) / nr;
    for (int64_t p0 = 0; p0 < p.K; p0 += kc_block) {
      const int64_t kc = std::min(kc_block, p.K - p0);
      const bool accumulate = p.accumulate || p0 > 0, last_depth = p0 + kc == p.K;
      float* b_packed = t_pack_b.ensure(static_cast<size_t>(panels * nr * kc));
      if (direct_b) {
        if (nc % nr) pack_b_panel(p, j0, nc, panels - 1, p0, kc, nr, b_packed + (panels - 1) * nr * kc);
      } else {
        // Packed once, by all threads together, then read by all (no thread packs B twice).
        parallel_for(panels, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, kc)), [&](int64_t b, int64_t e) {
          for (int64_t panel = b; panel < e; ++panel)
            pack_b_panel(p, j0, nc, panel, p0, kc, nr, b_packed + panel * nr * kc);
        });
      }
      const int64_t m_blocks = (p.M + mc_block - 1) / mc_block;
      if (m_blocks >= threads || panels < 2) {
        // Enough row blocks: each thread packs and multiplies its own blocks of A.
        parallel_for(m_blocks, 1, [&](int64_t b, int64_t e) {
          for (int64_t blk = b; blk < e; ++blk) {
            const int64_t i0 = blk * mc_block, mc = std::min(mc_block, p.M - i0);
            float* a_packed = t_pack_a.ensure(static_cast<size_t>((mc + mr) * kc));
            pack_a(p, i0, mc, p0, kc, mr, a_packed);
            macro_kernel(p, kern, a_packed, i0, mc, b_packed, j0, nc, 0, panels, p0, kc, accumulate, last_depth,
                         direct_b);
          }
        });
      } else {
        // Few rows (skinny M): share each packed A block and split the B panels instead.
        for (int64_t i0 = 0; i0 < p.M; i0 += mc_block) {
          const int64_t mc = std::min(mc_block, p.M - i0);
          float* a_packed = t_pack_a.ensure(static_cast<size_t>((mc + mr) * kc));
          pack_a(p, i0, mc, p0, kc, mr, a_packed);
          parallel_for(panels, 1, [&](int64_t b, int64_t e) {
            macro_kernel(p, kern, a_packed, i0, mc, b_packed, j0, nc, b, e, p0, kc, accumulate, last_depth, direct_b);
          });
        }
      }
    }
  }
}

thread_local PackBuffer t_split_partials;

// A small C with a deep K (e.g. 27 x 16 x 25088, a first convolution's kernel gradient)
// has too few tiles to share out, so K is cut into slices whose partial products are
// summed in slice order. The slices depend on the problem alone, never on the thread
// count, so the result is bit-identical for any number of threads (threads take slices).
constexpr int64_t kSplitMaxTiles = 32;
constexpr int64_t kSplitMinDepth = 1024;  // per slice
constexpr int64_t kSplitMaxSlices = 8;

void split_k_gemm(const Problem& p, int64_t slices) {
  const int64_t chunk = ((p.K + slices - 1) / slices + 7) / 8 * 8;
  const int64_t area = p.M * p.N;
  float* partials = t_split_partials.ensure(static_cast<size_t>(area * (slices - 1)));
  parallel_for(slices, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t k0 = t * chunk, k1 = std::min(p.K, k0 + chunk);
      Problem part = p;
      part.A = p.ta ? p.A + k0 * p.lda : p.A + k0;
      part.B = p.tb ? p.B + k0 : p.B + k0 * p.ldb;
      part.K = std::max<int64_t>(0, k1 - k0);
      part.epilogue = nullptr;
      if (t > 0) {
        part.C = partials + (t - 1) * area;
        part.ldc = p.N;
        part.accumulate = false;
      }
      if (part.K > 0) packed_gemm(part);  // nested parallel_for calls run inline
      else if (t > 0) std::fill(part.C, part.C + area, 0.0f);
    }
  });
  for (int64_t t = 1; t < slices; ++t) {
    const float* src = partials + (t - 1) * area;
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j) p.C[i * p.ldc + j] += src[i * p.N + j];
  }
  if (p.epilogue) apply_epilogue(*p.epilogue, p.C, p.ldc, p.M, 0, p.N);
}

void run_float(const Problem& p) {
  if (p.M == 0 || p.N == 0) return;
  if (p.K == 0) {
    for (int64_t i = 0; i < p.M; ++i)
      if (!p.accumulate) std::fill(p.C + i * p.ldc, p.C + i * p.ldc + p.N, 0.0f);
    if (p.epilogue) apply_epilogue(*p.epilogue, p.C, p.ldc, p.M, 0, p.N);
    return;
  }
  const GemmKernel kern = gemm_kernel_for_cpu();
  const int64_t tiles = ((p.M + kern.mr - 1) / kern.mr) * ((p.N + kern.nr - 1) / kern.nr);
  if (tiles < kSplitMaxTiles && p.K >= 2 * kSplitMinDepth) {
    split_k_gemm(p, std::min(kSplitMaxSlices, p.K / kSplitMinDepth));
    return;
  }
  packed_gemm(p);
}
}  // namespace

template <>
void gemm<float>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                 int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  run_float(Problem{ta, tb, M, N, K, A, B, lda, ldb, C, ldc, accumulate, nullptr});
}

template <>
void gemm<double>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B,
                  int64_t ldb, double* C, int64_t ldc, bool accumulate) {
  gemm_reference<double>(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void gemm_epilogue(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float* C, int64_t ldc, bool accumulate, const GemmEpilogue& epilogue) {
  run_float(Problem{ta, tb, M, N, K, A, B, lda, ldb, C, ldc, accumulate, &epilogue});
}

}  // namespace dagnet::cpu
