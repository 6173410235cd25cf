#include "cpu/normalization.h"

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"

namespace dagnet::cpu {

namespace {
constexpr int64_t kTaskElements = 1 << 15;  // elements per task (fixed: results ignore the thread count)
constexpr int64_t kMaxGroups = 32;          // task groups owning a copy of the dgamma/dbeta partials
constexpr int64_t kParamPartialDoubles = 1 << 20;
constexpr int64_t kFlush = 512;  // elements summed in T lanes before they join the double totals
constexpr int kLanes = 8;

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
  t.k_block = l.inner < 16 ? kept : std::clamp<int64_t>(kTaskElements / (rows * inner), 1, kept);
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

// sum (x - shift) and sum (x - shift)^2 over a run.
template <typename T>
void run_moments(const T* x, int64_t n, T shift, double* s1, double* s2) {
  double a = 0, b = 0;
  for (int64_t start = 0; start < n; start += kFlush) {
    const int64_t end = std::min(n, start + kFlush);
    T l1[kLanes] = {}, l2[kLanes] = {};
    int64_t i = start;
    for (; i + kLanes <= end; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const T d = x[i + j] - shift;
        l1[j] += d;
        l2[j] += d * d;
      }
    for (; i < end; ++i) {
      const T d = x[i] - shift;
      l1[0] += d;
      l2[0] += d * d;
    }
    for (int j = 0; j < kLanes; ++j) {
      a += l1[j];
      b += l2[j];
    }
  }
  *s1 = a;
  *s2 = b;
}

// sum dy and sum dy (x - shift) over a run.
template <typename T>
void run_dots(const T* dy, const T* x, int64_t n, T shift, double* s1, double* s2) {
  double a = 0, b = 0;
  for (int64_t start = 0; start < n; start += kFlush) {
    const int64_t end = std::min(n, start + kFlush);
    T l1[kLanes] = {}, l2[kLanes] = {};
    int64_t i = start;
    for (; i + kLanes <= end; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        l1[j] += dy[i + j];
        l2[j] += dy[i + j] * (x[i + j] - shift);
      }
    for (; i < end; ++i) {
      l1[0] += dy[i];
      l2[0] += dy[i] * (x[i] - shift);
    }
    for (int j = 0; j < kLanes; ++j) {
      a += l1[j];
      b += l2[j];
    }
  }
  *s1 = a;
  *s2 = b;
}

// y = x * A + B over a run whose gamma/beta index is i / repeat * stride (stride 0: one
// value), A = rs * gamma, B = beta - m * A.
template <typename T>
void affine_run(const T* x, T* y, int64_t n, T m, T rs, const T* gamma, const T* beta, int64_t stride, int64_t repeat) {
  if (stride == 0 || (!gamma && !beta)) {
    const T a = gamma ? rs * gamma[0] : rs;
    const T b = (beta ? beta[0] : T(0)) - m * a;
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * a + b;
    return;
  }
  if (repeat == 1 && stride == 1 && gamma && beta) {
    for (int64_t i = 0; i < n; ++i) {
      const T a = rs * gamma[i];
      y[i] = x[i] * a + (beta[i] - m * a);
    }
    return;
  }
  for (int64_t start = 0, blk = 0; start < n; start += repeat, ++blk) {
    const T a = gamma ? rs * gamma[blk * stride] : rs;
    const T b = (beta ? beta[blk * stride] : T(0)) - m * a;
    const int64_t end = std::min(n, start + repeat);
    for (int64_t i = start; i < end; ++i) y[i] = x[i] * a + b;
  }
}

template <typename T>
T shift_of(const NormSetup& s, const T* x, int64_t o, int64_t k) {
  const NormLayout& l = s.layout;
  return norm_has_mean(s.mode) && l.count() > 0 ? x[l.offset(o, 0, k, 0)] : T(0);
}
}  // namespace

size_t norm_scratch_bytes(const NormSetup& s, size_t element_bytes) {
  const NormLayout& l = s.layout;
  const Tasks t = tasks_for(l, true);
  const size_t stats = static_cast<size_t>(l.stats()), chunks = static_cast<size_t>(t.chunks);
  auto piece = [](size_t bytes) { return (bytes + 63) / 64 * 64; };
  const size_t partials = 3 * piece(chunks * stats * sizeof(double));
  const size_t forward = partials + 2 * piece(stats * element_bytes);
  const size_t backward = partials + 4 * piece(stats * element_bytes) +
                          2 * piece(static_cast<size_t>(t.groups) * static_cast<size_t>(l.params) * sizeof(double));
  return std::max(forward, backward);
}

template <typename T>
void normalize_forward(const NormSetup& s, const NormArgs<T>& a, void* scratch) {
  const NormLayout& l = s.layout;
  const int64_t S = l.stats(), kept = l.kept;
  if (S == 0) return;
  const Tasks t = tasks_for(l, false);
  Carve carve{static_cast<char*>(scratch)};
  double* sum1 = carve.take<double>(t.chunks * S);
  double* sum2 = carve.take<double>(t.chunks * S);
  double* sumw = carve.take<double>(t.chunks * S);
  T* mean_t = carve.take<T>(S);  // the value subtracted before scaling (0 when not centred)
  T* rs_t = carve.take<T>(S);
  const bool centred = norm_centres(s.mode);
  const T* x = a.x;

  auto apply = [&](const Region& g) {
    for (int64_t r = g.r0; r < g.r1; ++r) {
      if (l.inner == 1) {
        const T* xr = x + l.offset(g.o, r, 0, 0);
        T* yr = a.y + l.offset(g.o, r, 0, 0);
        const T* mt = mean_t + g.o * kept;
        const T* rt = rs_t + g.o * kept;
        const int64_t prow = r * l.param_row;
        if (!a.gamma && !a.beta) {
          for (int64_t k = g.k0; k < g.k1; ++k) yr[k] = xr[k] * rt[k] - mt[k] * rt[k];
        } else {
          for (int64_t k = g.k0; k < g.k1; ++k) {
            const int64_t p = prow + k * l.param_kept;
            const T am = a.gamma ? rt[k] * a.gamma[p] : rt[k];
            yr[k] = xr[k] * am + ((a.beta ? a.beta[p] : T(0)) - mt[k] * am);
          }
        }
        continue;
      }
      for (int64_t k = g.k0; k < g.k1; ++k) {
        const int64_t st = g.o * kept + k, off = l.offset(g.o, r, k, 0), p = r * l.param_row + k * l.param_kept;
        affine_run<T>(x + off, a.y + off, l.inner, mean_t[st], rs_t[st], a.gamma ? a.gamma + p : nullptr,
                      a.beta ? a.beta + p : nullptr, l.param_inner, l.inner_repeat);
      }
    }
  };

  if (s.fixed_stats) {
    for (int64_t st = 0; st < S; ++st) {
      mean_t[st] = centred ? a.mean_in[st] : T(0);
      rs_t[st] = static_cast<T>(norm_rs(s.mode, static_cast<double>(a.var_in[st]), s.epsilon));
    }
    parallel_for(t.count, grain_for(t, l), [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) apply(region_of(l, t, task));
    });
    return;
  }

  auto sums = [&](const Region& g) {
    double* s1 = sum1 + g.c * S + g.o * kept;
    double* s2 = sum2 + g.c * S + g.o * kept;
    double* sw = sumw + g.c * S + g.o * kept;
    for (int64_t k = g.k0; k < g.k1; ++k) s1[k] = s2[k] = sw[k] = 0;
    const bool shifted = norm_has_mean(s.mode) && l.count() > 0;
    for (int64_t r = g.r0; r < g.r1; ++r) {
      const double w = a.weights ? static_cast<double>(a.weights[g.o * l.rows + r]) : 1.0;
      if (l.inner == 1) {
        const T* xr = x + l.offset(g.o, r, 0, 0);
        const T* x0 = x + l.offset(g.o, 0, 0, 0);  // the shifts: each statistic's first element
        if (a.weights) {
          if (w == 0) continue;
          for (int64_t k = g.k0; k < g.k1; ++k) {
            const double d = static_cast<double>(xr[k]) - (shifted ? static_cast<double>(x0[k]) : 0.0);
            s1[k] += w * d;
            s2[k] += w * d * d;
            sw[k] += w;
          }
        } else if (shifted) {
          for (int64_t k = g.k0; k < g.k1; ++k) {
            const double d = static_cast<double>(xr[k]) - static_cast<double>(x0[k]);
            s1[k] += d;
            s2[k] += d * d;
          }
        } else {
          for (int64_t k = g.k0; k < g.k1; ++k) {
            const double d = static_cast<double>(xr[k]);
            s2[k] += d * d;
          }
        }
        continue;
      }
      for (int64_t k = g.k0; k < g.k1; ++k) {
        double b1, b2;
        run_moments<T>(x + l.offset(g.o, r, k, 0), l.inner, shift_of(s, x, g.o, k), &b1, &b2);
        s1[k] += w * b1;
        s2[k] += w * b2;
      }
    }
  };

  auto finish = [&](int64_t o, int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t st = o * kept + k;
      double a1 = 0, a2 = 0, w = 0;
      for (int64_t c = 0; c < t.chunks; ++c) {
        a1 += sum1[c * S + st];
        a2 += sum2[c * S + st];
        w += sumw[c * S + st];
      }
      if (!a.weights) w = static_cast<double>(l.count());
      const NormMoments m =
          norm_finish_moments(s.mode, a1, a2, w, static_cast<double>(shift_of(s, x, o, k)), s.count_epsilon);
      if (a.mean) a.mean[st] = static_cast<T>(m.mean);
      if (a.var) a.var[st] = static_cast<T>(m.var);
      mean_t[st] = centred ? static_cast<T>(m.mean) : T(0);
      rs_t[st] = static_cast<T>(norm_rs(s.mode, m.var, s.epsilon));
    }
  };

  const int64_t grain = grain_for(t, l);
  if (t.fused()) {  // each task holds every row of its statistics: one pass, block in cache
    parallel_for(t.count, grain, [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const Region g = region_of(l, t, task);
        sums(g);
        finish(g.o, g.k0, g.k1);
        apply(g);
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
  const bool want_params = a.dgamma || a.dbeta;
  const Tasks t = tasks_for(l, want_params);
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
    for (int64_t k = g.k0; k < g.k1; ++k) s1[k] = s2[k] = sw[k] = 0;
    const T* zs = zshift + g.o * kept;
    const T* rt = rs_t + g.o * kept;
    for (int64_t r = g.r0; r < g.r1; ++r) {
      const int64_t prow = r * l.param_row;
      if (l.inner == 1) {
        const T* xr = x + l.offset(g.o, r, 0, 0);
        const T* dr = dy + l.offset(g.o, r, 0, 0);
        if (a.weights) {
          const double w = static_cast<double>(a.weights[g.o * l.rows + r]);
          for (int64_t k = g.k0; k < g.k1; ++k) sw[k] += w;
        }
        for (int64_t k = g.k0; k < g.k1; ++k) {
          const int64_t p = prow + k * l.param_kept;
          const T z = xr[k] - zs[k];
          const T gg = a.gamma ? dr[k] * a.gamma[p] : dr[k];
          s1[k] += static_cast<double>(gg);
          s2[k] += static_cast<double>(gg * z);
          if (pg) pg[p] += static_cast<double>(dr[k] * z * rt[k]);
          if (pb) pb[p] += static_cast<double>(dr[k]);
        }
        continue;
      }
      for (int64_t k = g.k0; k < g.k1; ++k) {
        const int64_t off = l.offset(g.o, r, k, 0), pbase = prow + k * l.param_kept;
        const T* xr = x + off;
        const T* dr = dy + off;
        if (l.param_inner == 0 || (!a.gamma && !pg && !pb)) {
          double sdy, sdz;
          run_dots<T>(dr, xr, l.inner, zs[k], &sdy, &sdz);
          const double gv = a.gamma ? static_cast<double>(a.gamma[pbase]) : 1.0;
          s1[k] += gv * sdy;
          s2[k] += gv * sdz;
          if (pg) pg[pbase] += sdz * static_cast<double>(rt[k]);
          if (pb) pb[pbase] += sdy;
        } else if (l.inner_repeat == 1) {
          const T zk = zs[k], rk = rt[k];
          const T* gm = a.gamma ? a.gamma + pbase : nullptr;
          double* pgk = pg ? pg + pbase : nullptr;
          double* pbk = pb ? pb + pbase : nullptr;
          const int64_t stride = l.param_inner;
          double t1 = 0, t2 = 0;
          for (int64_t start = 0; start < l.inner; start += kFlush) {
            const int64_t end = std::min(l.inner, start + kFlush);
            T l1 = 0, l2 = 0;
            for (int64_t i = start; i < end; ++i) {
              const T z = xr[i] - zk;
              const T gg = gm ? dr[i] * gm[i * stride] : dr[i];
              l1 += gg;
              l2 += gg * z;
              if (pgk) pgk[i * stride] += static_cast<double>(dr[i] * z * rk);
              if (pbk) pbk[i * stride] += static_cast<double>(dr[i]);
            }
            t1 += l1;
            t2 += l2;
          }
          s1[k] += t1;
          s2[k] += t2;
        } else {
          for (int64_t start = 0, blk = 0; start < l.inner; start += l.inner_repeat, ++blk) {
            const int64_t p = pbase + blk * l.param_inner;
            const int64_t n = std::min(l.inner_repeat, l.inner - start);
            double sdy, sdz;
            run_dots<T>(dr + start, xr + start, n, zs[k], &sdy, &sdz);
            const double gv = a.gamma ? static_cast<double>(a.gamma[p]) : 1.0;
            s1[k] += gv * sdy;
            s2[k] += gv * sdz;
            if (pg) pg[p] += sdz * static_cast<double>(rt[k]);
            if (pb) pb[p] += sdy;
          }
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
    for (int64_t r = g.r0; r < g.r1; ++r) {
      const T w = a.weights ? a.weights[g.o * l.rows + r] : T(1);
      const int64_t prow = r * l.param_row;
      if (l.inner == 1) {
        const int64_t off = l.offset(g.o, r, 0, 0);
        const T *xr = x + off, *dr = dy + off;
        T* out = a.dx + off;
        for (int64_t k = g.k0; k < g.k1; ++k) {
          const T rg = a.gamma ? rt[k] * a.gamma[prow + k * l.param_kept] : rt[k];
          out[k] = dr[k] * rg + w * (c1[k] * xr[k] + c0[k]);
        }
        continue;
      }
      for (int64_t k = g.k0; k < g.k1; ++k) {
        const int64_t off = l.offset(g.o, r, k, 0), pbase = prow + k * l.param_kept;
        const T *xr = x + off, *dr = dy + off;
        T* out = a.dx + off;
        const T a1 = w * c1[k], a0 = w * c0[k];
        if (!a.gamma || l.param_inner == 0) {
          const T rg = a.gamma ? rt[k] * a.gamma[pbase] : rt[k];
          for (int64_t i = 0; i < l.inner; ++i) out[i] = dr[i] * rg + (a1 * xr[i] + a0);
        } else if (l.inner_repeat == 1) {
          const T* gm = a.gamma + pbase;
          const int64_t stride = l.param_inner;
          for (int64_t i = 0; i < l.inner; ++i) out[i] = dr[i] * (rt[k] * gm[i * stride]) + (a1 * xr[i] + a0);
        } else {
          for (int64_t start = 0, blk = 0; start < l.inner; start += l.inner_repeat, ++blk) {
            const T rg = rt[k] * a.gamma[pbase + blk * l.param_inner];
            const int64_t end = std::min(l.inner, start + l.inner_repeat);
            for (int64_t i = start; i < end; ++i) out[i] = dr[i] * rg + (a1 * xr[i] + a0);
          }
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
        sums(g, pg, pb);
        if (t.fused()) {
          finish(g.o, g.k0, g.k1);
          apply(g);
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
          sg += part_gamma[grp * P + p];
          sb += part_beta[grp * P + p];
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
