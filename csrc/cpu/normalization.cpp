#include "cpu/normalization.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"
#include "cpu/normalization_rows.h"

namespace dagnet::cpu {

namespace {
constexpr int64_t kTaskElements = 1 << 15;  // elements per task (fixed: results ignore the thread count)
constexpr int64_t kMaxGroups = 32;          // task groups owning a copy of the dgamma/dbeta partials
constexpr int64_t kParamPartialDoubles = 1 << 20;
constexpr int64_t kRunFlush = 1024;    // elements of a run summed in T lanes before joining the double totals
constexpr int64_t kColumnBlock = 256;  // columns (kept x inner of one row) handled at once when inner is short
constexpr int64_t kColumnFlush = 64;   // rows summed in T per column before joining the double totals
constexpr int64_t kShortInner = 16;    // below: column mode (vectorise across a row's kept x inner values)

// Tasks: (outer, block of rows, block of kept), row blocks innermost but one.
struct Tasks {
  int64_t k_block = 1, k_blocks = 1, row_chunk = 1, chunks = 1, count = 1, groups = 1;
  bool fused() const { return chunks == 1; }
};

Tasks tasks_for(const NormLayout& l, bool param_partials) {
  Tasks t;
  const int64_t rows = std::max<int64_t>(l.rows, 1), kept = std::max<int64_t>(l.kept, 1);
  const int64_t inner = std::max<int64_t>(l.inner, 1);
  // Short inner runs: keep every kept index in one task (the loops vectorise across kept).
  t.k_block = l.inner < kShortInner ? kept : std::clamp<int64_t>(kTaskElements / (rows * inner), 1, kept);
  t.k_blocks = (kept + t.k_block - 1) / t.k_block;
  const int64_t work = rows * t.k_block * inner;
  if (work > 4 * kTaskElements && l.outer * t.k_blocks < 64)
    t.chunks = std::min<int64_t>(rows, (work + kTaskElements - 1) / kTaskElements);
  t.row_chunk = (rows + t.chunks - 1) / t.chunks;
  t.chunks = (rows + t.row_chunk - 1) / t.row_chunk;
  t.count = std::max<int64_t>(l.outer, 1) * t.chunks * t.k_blocks;
  const int64_t by_budget =
      param_partials ? std::max<int64_t>(1, kParamPartialDoubles / (2 * std::max<int64_t>(l.params, 1))) : t.count;
  t.groups = std::clamp<int64_t>(std::min(by_budget, param_partials ? kMaxGroups : t.count), 1, t.count);
  return t;
}

struct Region {
  int64_t o, c, r0, r1, k0, k1;
};
Region region_of(const NormLayout& l, const Tasks& t, int64_t task) {
  Region g;
  g.o = task / (t.chunks * t.k_blocks);
  g.c = (task / t.k_blocks) % t.chunks;
  const int64_t kb = task % t.k_blocks;
  g.r0 = g.c * t.row_chunk;
  g.r1 = std::min(l.rows, g.r0 + t.row_chunk);
  g.k0 = kb * t.k_block;
  g.k1 = std::min(l.kept, g.k0 + t.k_block);
  return g;
}

int64_t grain_for(const Tasks& t, const NormLayout& l) {
  const int64_t work = std::max<int64_t>(1, t.row_chunk * t.k_block * std::max<int64_t>(l.inner, 1));
  return std::max<int64_t>(1, kTaskElements / work);
}

// Carves typed arrays out of the scratch block (64-byte aligned pieces).
struct Carve {
  char* p;
  template <typename U>
  U* take(int64_t n) {
    U* r = reinterpret_cast<U*>(p);
    p += (static_cast<size_t>(std::max<int64_t>(n, 0)) * sizeof(U) + 63) / 64 * 64;
    return r;
  }
};

}  // namespace

size_t norm_scratch_bytes(const NormSetup& s, size_t element_bytes) {
  const NormLayout& l = s.layout;
  const Tasks t = tasks_for(l, true);
  const size_t stats = static_cast<size_t>(l.stats()), chunks = static_cast<size_t>(t.chunks);
  const size_t columns = l.inner < kShortInner ? static_cast<size_t>(std::max<int64_t>(l.inner, 1)) : 1;
  auto piece = [](size_t bytes) { return (bytes + 63) / 64 * 64; };
  const size_t forward = 2 * piece(chunks * stats * columns * sizeof(double)) + piece(chunks * stats * sizeof(double)) +
                         2 * piece(stats * element_bytes);
  const size_t backward = 3 * piece(chunks * stats * sizeof(double)) + 4 * piece(stats * element_bytes) +
                          2 * piece(static_cast<size_t>(t.groups) * static_cast<size_t>(l.params) * sizeof(double));
  return std::max(forward, backward);
}

namespace {
// Adds kNormLanes lanes into a double.
template <typename T>
double lane_sum(const T* lanes) {
  double s = 0;
  for (int j = 0; j < kNormLanes; ++j) s += static_cast<double>(lanes[j]);
  return s;
}

// Mask weights that are not 0 or 1 take a scalar path (Keras masks are booleans).
template <typename T>
bool binary_weight(T w) {
  return w == T(0) || w == T(1);
}
}  // namespace

template <typename T>
void normalize_forward(const NormSetup& s, const NormArgs<T>& a, void* scratch) {
  const NormLayout& l = s.layout;
  const int64_t S = l.stats(), kept = l.kept;
  if (S == 0) return;
  const NormRows<T>& rows = norm_rows(T{});
  const Tasks t = tasks_for(l, false);
  const bool columns = l.inner < kShortInner;
  const int64_t cps = columns ? std::max<int64_t>(l.inner, 1) : 1;  // partial sums per statistic
  Carve carve{static_cast<char*>(scratch)};
  double* sum1 = carve.take<double>(t.chunks * S * cps);
  double* sum2 = carve.take<double>(t.chunks * S * cps);
  double* sumw = carve.take<double>(t.chunks * S);
  T* mean_t = carve.take<T>(S);  // the value subtracted before scaling (0 when not centred)
  T* rs_t = carve.take<T>(S);
  const bool centred = norm_centres(s.mode), shifted = norm_has_mean(s.mode) && l.count() > 0;
  const T* x = a.x;

  // The statistics' sums over the task's rows: partials per (chunk, statistic[, inner]).
  auto sums = [&](const Region& g) {
    double* s1 = sum1 + (g.c * S + g.o * kept) * cps;
    double* s2 = sum2 + (g.c * S + g.o * kept) * cps;
    double* sw = sumw + g.c * S + g.o * kept;
    double weight_total = 0;
    for (int64_t r = g.r0; r < g.r1; ++r)
      weight_total += a.weights ? static_cast<double>(a.weights[g.o * l.rows + r]) : 1.0;
    for (int64_t k = g.k0; k < g.k1; ++k) sw[k] = weight_total;
    if (columns) {
      const int64_t width = (g.k1 - g.k0) * l.inner;
      const T* row0 = x + l.offset(g.o, 0, g.k0, 0);
      for (int64_t qb = 0; qb < width; qb += kColumnBlock) {
        const int64_t bw = std::min(kColumnBlock, width - qb);
        T shift[kColumnBlock];
        double d1[kColumnBlock] = {}, d2[kColumnBlock] = {};
        for (int64_t q = 0; q < bw; ++q) shift[q] = shifted ? row0[(qb + q) / l.inner * l.inner] : T(0);
        for (int64_t rb = g.r0; rb < g.r1; rb += kColumnFlush) {
          T a1[kColumnBlock] = {}, a2[kColumnBlock] = {};
          const int64_t re = std::min(g.r1, rb + kColumnFlush);
          for (int64_t r = rb; r < re; ++r) {
            const T* xr = x + l.offset(g.o, r, g.k0, 0) + qb;
            const T w = a.weights ? a.weights[g.o * l.rows + r] : T(1);
            if (w == T(0)) continue;
            if (binary_weight(w)) {
              rows.moment_columns(xr, shifted ? shift : nullptr, bw, a1, a2);
            } else {
              for (int64_t q = 0; q < bw; ++q) {
                const T d = xr[q] - shift[q];
                a1[q] += w * d;
                a2[q] += w * d * d;
              }
            }
          }
          for (int64_t q = 0; q < bw; ++q) {
            d1[q] += static_cast<double>(a1[q]);
            d2[q] += static_cast<double>(a2[q]);
          }
        }
        for (int64_t q = 0; q < bw; ++q) {
          s1[g.k0 * cps + qb + q] = d1[q];
          s2[g.k0 * cps + qb + q] = d2[q];
        }
      }
      return;
    }
    for (int64_t k = g.k0; k < g.k1; ++k) s1[k] = s2[k] = 0;
    for (int64_t r = g.r0; r < g.r1; ++r) {
      const T w = a.weights ? a.weights[g.o * l.rows + r] : T(1);
      for (int64_t k = g.k0; k < g.k1; ++k) {
        const T* run = x + l.offset(g.o, r, k, 0);
        const T shift = shifted ? x[l.offset(g.o, 0, k, 0)] : T(0);
        for (int64_t start = 0; start < l.inner; start += kRunFlush) {
          T l1[kNormLanes] = {}, l2[kNormLanes] = {};
          rows.moments(run + start, std::min(kRunFlush, l.inner - start), shift, l1, l2);
          s1[k] += static_cast<double>(w) * lane_sum(l1);
          s2[k] += static_cast<double>(w) * lane_sum(l2);
        }
      }
    }
  };

  auto finish = [&](int64_t o, int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t st = o * kept + k;
      double a1 = 0, a2 = 0, w = 0;
      for (int64_t c = 0; c < t.chunks; ++c) {
        for (int64_t i = 0; i < cps; ++i) {
          a1 += sum1[(c * S + st) * cps + i];
          a2 += sum2[(c * S + st) * cps + i];
        }
        w += sumw[c * S + st];
      }
      if (!a.weights) w = static_cast<double>(l.count());
      const double shift = shifted ? static_cast<double>(x[l.offset(o, 0, k, 0)]) : 0.0;
      const NormMoments m = norm_finish_moments(s.mode, a1, a2, w, shift, s.count_epsilon);
      if (a.mean) a.mean[st] = static_cast<T>(m.mean);
      if (a.var) a.var[st] = static_cast<T>(m.var);
      mean_t[st] = centred ? static_cast<T>(m.mean) : T(0);
      rs_t[st] = static_cast<T>(norm_rs(s.mode, m.var, s.epsilon));
    }
  };

  auto apply = [&](const Region& g) {
    const T* mt = mean_t + g.o * kept;
    const T* rt = rs_t + g.o * kept;
    if (columns) {
      const int64_t width = (g.k1 - g.k0) * l.inner;
      for (int64_t qb = 0; qb < width; qb += kColumnBlock) {
        const int64_t bw = std::min(kColumnBlock, width - qb);
        T am[kColumnBlock], bm[kColumnBlock];
        auto coefficients = [&](int64_t r) {
          for (int64_t q = 0; q < bw; ++q) {
            const int64_t k = g.k0 + (qb + q) / l.inner, i = (qb + q) % l.inner, p = l.param_index(r, k, i);
            const T scale = a.gamma ? rt[k] * a.gamma[p] : rt[k];
            am[q] = scale;
            bm[q] = (a.beta ? a.beta[p] : T(0)) - mt[k] * scale;
          }
        };
        const bool per_row = l.param_row != 0 && (a.gamma || a.beta);
        if (!per_row) coefficients(0);
        for (int64_t r = g.r0; r < g.r1; ++r) {
          if (per_row) coefficients(r);
          const int64_t off = l.offset(g.o, r, g.k0, 0) + qb;
          rows.affine_columns(x + off, a.y + off, bw, am, bm);
        }
      }
      return;
    }
    for (int64_t r = g.r0; r < g.r1; ++r)
      for (int64_t k = g.k0; k < g.k1; ++k) {
        const int64_t off = l.offset(g.o, r, k, 0), pbase = l.param_index(r, k, 0);
        const T *xr = x + off, *gm = a.gamma ? a.gamma + pbase : nullptr, *bt = a.beta ? a.beta + pbase : nullptr;
        T* yr = a.y + off;
        if (l.param_inner == 0 || (!gm && !bt)) {
          const T scale = gm ? rt[k] * gm[0] : rt[k];
          rows.affine(xr, yr, l.inner, scale, (bt ? bt[0] : T(0)) - mt[k] * scale);
        } else if (l.inner_repeat == 1 && l.param_inner == 1) {
          rows.affine_params(xr, yr, l.inner, mt[k], rt[k], gm, bt);
        } else {
          for (int64_t start = 0, blk = 0; start < l.inner; start += l.inner_repeat, ++blk) {
            const int64_t p = blk * l.param_inner;
            const T scale = gm ? rt[k] * gm[p] : rt[k];
            rows.affine(xr + start, yr + start, std::min(l.inner_repeat, l.inner - start), scale,
                        (bt ? bt[p] : T(0)) - mt[k] * scale);
          }
        }
      }
  };

  const int64_t grain = grain_for(t, l);
  if (s.fixed_stats) {
    for (int64_t st = 0; st < S; ++st) {
      mean_t[st] = centred ? a.mean_in[st] : T(0);
      rs_t[st] = static_cast<T>(norm_rs(s.mode, static_cast<double>(a.var_in[st]), s.epsilon));
    }
    parallel_for(t.count, grain, [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) apply(region_of(l, t, task));
    });
    return;
  }
  if (t.fused()) {  // each task holds every row of its statistics: one pass, data in cache
    parallel_for(t.count, grain, [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const Region g = region_of(l, t, task);
        if (columns) {
          sums(g);
          finish(g.o, g.k0, g.k1);
          apply(g);
          continue;
        }
        for (int64_t k = g.k0; k < g.k1; ++k) {  // long runs: one statistic at a time (a layer norm's row)
          Region one = g;
          one.k0 = k;
          one.k1 = k + 1;
          sums(one);
          finish(g.o, k, k + 1);
          apply(one);
        }
      }
    });
    return;
  }
  parallel_for(t.count, grain, [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) sums(region_of(l, t, task));
  });
  parallel_for(l.outer, std::max<int64_t>(1, 4096 / std::max<int64_t>(kept, 1)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) finish(o, 0, kept);
  });
  parallel_for(t.count, grain, [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) apply(region_of(l, t, task));
  });
}

template <typename T>
void normalize_backward(const NormSetup& s, const NormArgs<T>& a, void* scratch) {
  const NormLayout& l = s.layout;
  const int64_t S = l.stats(), kept = l.kept, P = l.params;
  const NormRows<T>& rows = norm_rows(T{});
  const bool want_params = a.dgamma || a.dbeta;
  const Tasks t = tasks_for(l, want_params);
  const bool columns = l.inner < kShortInner;
  Carve carve{static_cast<char*>(scratch)};
  double* sum1 = carve.take<double>(t.chunks * S);
  double* sum2 = carve.take<double>(t.chunks * S);
  double* sumw = carve.take<double>(t.chunks * S);
  T* zshift = carve.take<T>(S);  // subtracted from x in z (the mean when centred)
  T* rs_t = carve.take<T>(S);
  T* c1_t = carve.take<T>(S);
  T* c0_t = carve.take<T>(S);  // c0 - c1 * mean: dx = dy rs gamma + w (c1 x + c0_t)
  double* part_gamma = carve.take<double>(want_params ? t.groups * P : 0);
  double* part_beta = carve.take<double>(want_params ? t.groups * P : 0);
  const T *x = a.x, *dy = a.dy;
  if (S == 0) {
    if (a.dgamma) std::fill(a.dgamma, a.dgamma + P, T(0));
    if (a.dbeta) std::fill(a.dbeta, a.dbeta + P, T(0));
    return;
  }
  for (int64_t st = 0; st < S; ++st) {
    zshift[st] = norm_centres(s.mode) ? a.mean_in[st] : T(0);
    rs_t[st] = static_cast<T>(norm_rs(s.mode, static_cast<double>(a.var_in[st]), s.epsilon));
  }

  // Pass A: per-statistic sums of g = dy * gamma (s1) and g * z (s2), and per-parameter
  // sums of dy * z * rs (dgamma) and dy (dbeta) into this group's partials.
  auto sums = [&](const Region& g, double* pg, double* pb) {
    double* s1 = sum1 + g.c * S + g.o * kept;
    double* s2 = sum2 + g.c * S + g.o * kept;
    double* sw = sumw + g.c * S + g.o * kept;
    double weight_total = 0;
    for (int64_t r = g.r0; r < g.r1; ++r)
      weight_total += a.weights ? static_cast<double>(a.weights[g.o * l.rows + r]) : 1.0;
    for (int64_t k = g.k0; k < g.k1; ++k) {
      s1[k] = s2[k] = 0;
      sw[k] = weight_total;
    }
    const T* zs = zshift + g.o * kept;
    const T* rt = rs_t + g.o * kept;
    if (columns) {
      // Per column: sum dy and dy z over rows; gamma is constant down a column unless it
      // varies with the row (then every row is its own block).
      const int64_t width = (g.k1 - g.k0) * l.inner;
      const int64_t flush = l.param_row != 0 ? 1 : kColumnFlush;
      for (int64_t qb = 0; qb < width; qb += kColumnBlock) {
        const int64_t bw = std::min(kColumnBlock, width - qb);
        T shift[kColumnBlock];
        for (int64_t q = 0; q < bw; ++q) shift[q] = zs[g.k0 + (qb + q) / l.inner];
        for (int64_t rb = g.r0; rb < g.r1; rb += flush) {
          T sdy[kColumnBlock] = {}, sdz[kColumnBlock] = {};
          const int64_t re = std::min(g.r1, rb + flush);
          for (int64_t r = rb; r < re; ++r) {
            const int64_t off = l.offset(g.o, r, g.k0, 0) + qb;
            rows.dot_columns(dy + off, x + off, shift, bw, sdy, sdz);
          }
          for (int64_t q = 0; q < bw; ++q) {
            const int64_t k = g.k0 + (qb + q) / l.inner, i = (qb + q) % l.inner, p = l.param_index(rb, k, i);
            const double gv = a.gamma ? static_cast<double>(a.gamma[p]) : 1.0;
            const double ddy = static_cast<double>(sdy[q]), ddz = static_cast<double>(sdz[q]);
            s1[k] += gv * ddy;
            s2[k] += gv * ddz;
            if (pg) pg[p] += ddz * static_cast<double>(rt[k]);
            if (pb) pb[p] += ddy;
          }
        }
      }
      return;
    }
    for (int64_t r = g.r0; r < g.r1; ++r)
      for (int64_t k = g.k0; k < g.k1; ++k) {
        const int64_t off = l.offset(g.o, r, k, 0), pbase = l.param_index(r, k, 0);
        const T *xr = x + off, *dr = dy + off;
        if (l.param_inner == 0 || (!a.gamma && !pg && !pb)) {
          double sdy = 0, sdz = 0;
          for (int64_t start = 0; start < l.inner; start += kRunFlush) {
            T l1[kNormLanes] = {}, l2[kNormLanes] = {};
            rows.dots(dr + start, xr + start, std::min(kRunFlush, l.inner - start), zs[k], l1, l2);
            sdy += lane_sum(l1);
            sdz += lane_sum(l2);
          }
          const double gv = a.gamma ? static_cast<double>(a.gamma[pbase]) : 1.0;
          s1[k] += gv * sdy;
          s2[k] += gv * sdz;
          if (pg) pg[pbase] += sdz * static_cast<double>(rt[k]);
          if (pb) pb[pbase] += sdy;
        } else if (l.inner_repeat == 1 && l.param_inner == 1 && a.gamma) {
          for (int64_t start = 0; start < l.inner; start += kRunFlush) {
            const int64_t n = std::min(kRunFlush, l.inner - start);
            T l1[kNormLanes] = {}, l2[kNormLanes] = {};
            rows.param_dots(dr + start, xr + start, n, zs[k], rt[k], a.gamma + pbase + start, l1, l2,
                            pg ? pg + pbase + start : nullptr, pb ? pb + pbase + start : nullptr);
            s1[k] += lane_sum(l1);
            s2[k] += lane_sum(l2);
          }
        } else {
          for (int64_t start = 0, blk = 0; start < l.inner; start += l.inner_repeat, ++blk) {
            const int64_t p = pbase + blk * l.param_inner, n = std::min(l.inner_repeat, l.inner - start);
            T l1[kNormLanes] = {}, l2[kNormLanes] = {};
            for (int64_t done = 0; done < n; done += kRunFlush)
              rows.dots(dr + start + done, xr + start + done, std::min(kRunFlush, n - done), zs[k], l1, l2);
            const double sdy = lane_sum(l1), sdz = lane_sum(l2);
            const double gv = a.gamma ? static_cast<double>(a.gamma[p]) : 1.0;
            s1[k] += gv * sdy;
            s2[k] += gv * sdz;
            if (pg) pg[p] += sdz * static_cast<double>(rt[k]);
            if (pb) pb[p] += sdy;
          }
        }
      }
  };

  auto finish = [&](int64_t o, int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t st = o * kept + k;
      double s1 = 0, s2 = 0, w = 0;
      for (int64_t c = 0; c < t.chunks; ++c) {
        s1 += sum1[c * S + st];
        s2 += sum2[c * S + st];
        w += sumw[c * S + st];
      }
      if (!a.weights) w = static_cast<double>(l.count());
      const double mean = norm_has_mean(s.mode) ? static_cast<double>(a.mean_in[st]) : 0.0;
      const NormGradCoefficients c = norm_grad_coefficients(s, mean, static_cast<double>(a.var_in[st]), w, s1, s2,
                                                            a.dmean_in ? static_cast<double>(a.dmean_in[st]) : 0.0,
                                                            a.dvar_in ? static_cast<double>(a.dvar_in[st]) : 0.0);
      c1_t[st] = static_cast<T>(c.c1);
      c0_t[st] = static_cast<T>(c.c0 - c.c1 * mean);
      if (a.dmean) a.dmean[st] = static_cast<T>(c.dmean);
      if (a.dvar) a.dvar[st] = static_cast<T>(c.dvar);
    }
  };

  // Pass B: dx = dy * rs * gamma + w * (c1 * x + c0_t).
  auto apply = [&](const Region& g) {
    if (!a.dx) return;
    const T* rt = rs_t + g.o * kept;
    const T* c1 = c1_t + g.o * kept;
    const T* c0 = c0_t + g.o * kept;
    if (columns) {
      const int64_t width = (g.k1 - g.k0) * l.inner;
      for (int64_t qb = 0; qb < width; qb += kColumnBlock) {
        const int64_t bw = std::min(kColumnBlock, width - qb);
        T rg[kColumnBlock], a1[kColumnBlock], a0[kColumnBlock];
        T last_w = T(-1);
        auto coefficients = [&](int64_t r, T w) {
          for (int64_t q = 0; q < bw; ++q) {
            const int64_t k = g.k0 + (qb + q) / l.inner, i = (qb + q) % l.inner;
            rg[q] = a.gamma ? rt[k] * a.gamma[l.param_index(r, k, i)] : rt[k];
            a1[q] = w * c1[k];
            a0[q] = w * c0[k];
          }
        };
        const bool per_row = l.param_row != 0 && a.gamma;
        for (int64_t r = g.r0; r < g.r1; ++r) {
          const T w = a.weights ? a.weights[g.o * l.rows + r] : T(1);
          if (per_row || w != last_w) coefficients(r, w);
          last_w = w;
          const int64_t off = l.offset(g.o, r, g.k0, 0) + qb;
          rows.dx_columns(dy + off, x + off, a.dx + off, bw, rg, a1, a0);
        }
      }
      return;
    }
    for (int64_t r = g.r0; r < g.r1; ++r) {
      const T w = a.weights ? a.weights[g.o * l.rows + r] : T(1);
      for (int64_t k = g.k0; k < g.k1; ++k) {
        const int64_t off = l.offset(g.o, r, k, 0), pbase = l.param_index(r, k, 0);
        const T *xr = x + off, *dr = dy + off;
        T* out = a.dx + off;
        const T w1 = w * c1[k], w0 = w * c0[k];
        if (!a.gamma || l.param_inner == 0) {
          rows.dx_run(dr, xr, out, l.inner, a.gamma ? rt[k] * a.gamma[pbase] : rt[k], w1, w0);
        } else if (l.inner_repeat == 1 && l.param_inner == 1) {
          rows.dx_params(dr, xr, out, l.inner, rt[k], a.gamma + pbase, w1, w0);
        } else {
          for (int64_t start = 0, blk = 0; start < l.inner; start += l.inner_repeat, ++blk)
            rows.dx_run(dr + start, xr + start, out + start, std::min(l.inner_repeat, l.inner - start),
                        rt[k] * a.gamma[pbase + blk * l.param_inner], w1, w0);
        }
      }
    }
  };

  // Groups of consecutive tasks share one copy of the parameter partials.
  parallel_for(t.groups, 1, [&](int64_t b, int64_t e) {
    for (int64_t grp = b; grp < e; ++grp) {
      double* pg = a.dgamma ? part_gamma + grp * P : nullptr;
      double* pb = a.dbeta ? part_beta + grp * P : nullptr;
      if (pg) std::fill(pg, pg + P, 0.0);
      if (pb) std::fill(pb, pb + P, 0.0);
      const int64_t first = grp * t.count / t.groups, last = (grp + 1) * t.count / t.groups;
      for (int64_t task = first; task < last; ++task) {
        const Region g = region_of(l, t, task);
        if (!t.fused() || columns) {
          sums(g, pg, pb);
          if (t.fused()) {
            finish(g.o, g.k0, g.k1);
            apply(g);
          }
          continue;
        }
        for (int64_t k = g.k0; k < g.k1; ++k) {  // long runs: one statistic at a time, in cache
          Region one = g;
          one.k0 = k;
          one.k1 = k + 1;
          sums(one, pg, pb);
          finish(g.o, k, k + 1);
          apply(one);
        }
      }
    }
  });
  if (!t.fused()) {
    parallel_for(l.outer, std::max<int64_t>(1, 4096 / std::max<int64_t>(kept, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) finish(o, 0, kept);
    });
    parallel_for(t.count, grain_for(t, l), [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) apply(region_of(l, t, task));
    });
  }
  if (want_params)
    parallel_for(P, 1024, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        double sg = 0, sb = 0;
        for (int64_t grp = 0; grp < t.groups; ++grp) {
          if (a.dgamma) sg += part_gamma[grp * P + p];
          if (a.dbeta) sb += part_beta[grp * P + p];
        }
        if (a.dgamma) a.dgamma[p] = static_cast<T>(sg);
        if (a.dbeta) a.dbeta[p] = static_cast<T>(sb);
      }
    });
}

template <typename T>
void fold_batch_norm(const T* kernel, const T* bias, const T* mean, const T* var, const T* gamma, const T* beta,
                     int64_t channels, int64_t kernel_size, double epsilon, T* kernel_out, T* bias_out, T* scale) {
  for (int64_t c = 0; c < channels; ++c) {
    const double s = norm_rs(NormMode::Moments, static_cast<double>(var[c]), epsilon) *
                     (gamma ? static_cast<double>(gamma[c]) : 1.0);
    const double b = bias ? static_cast<double>(bias[c]) : 0.0;
    bias_out[c] = static_cast<T>((b - static_cast<double>(mean[c])) * s + (beta ? static_cast<double>(beta[c]) : 0.0));
    scale[c] = static_cast<T>(s);
  }
  const int64_t rows = channels > 0 ? kernel_size / channels : 0;
  parallel_for(rows, std::max<int64_t>(1, kTaskElements / std::max<int64_t>(channels, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      for (int64_t c = 0; c < channels; ++c) kernel_out[r * channels + c] = kernel[r * channels + c] * scale[c];
  });
}

template <typename T>
void moving_average_update(T* variable, const T* value, int64_t n, double momentum) {
  const T keep = static_cast<T>(momentum), take = static_cast<T>(1.0 - momentum);
  for (int64_t i = 0; i < n; ++i) variable[i] = variable[i] * keep + value[i] * take;
}

#define DAGNET_NORM_INSTANTIATE(T)                                                                               \
  template void normalize_forward<T>(const NormSetup&, const NormArgs<T>&, void*);                               \
  template void normalize_backward<T>(const NormSetup&, const NormArgs<T>&, void*);                              \
  template void moving_average_update<T>(T*, const T*, int64_t, double);                                         \
  template void fold_batch_norm<T>(const T*, const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, \
                                   double, T*, T*, T*);
DAGNET_NORM_INSTANTIATE(float)
DAGNET_NORM_INSTANTIATE(double)
#undef DAGNET_NORM_INSTANTIATE

}  // namespace dagnet::cpu
