// CUDA kernels of the normalization ops (ops/normalization.cpp; formulas and geometry in
// ops/normalization_layout.h, shared with the CPU kernels):
//   sums: a block sums a tile of statistics over a chunk of rows (a warp reads consecutive
//     elements: tile * inner of one row, or 32 of a long inner run), partials per chunk;
//   finish: one thread per statistic combines the chunks (mean/var, or the backward's
//     coefficients);
//   apply: one thread per element (y, or dx);
//   params: dgamma/dbeta, accumulated per block in shared memory when they fit, then
//     added to double accumulators with atomics (summation order varies between runs).
// Scratch (workspace): partial sums, per-statistic values and parameter accumulators, as
// norm_device_scratch_bytes sizes them.
#include <cuda_runtime.h>

#include "cuda/cuda_check.h"
#include "cuda/kernel_support.cuh"
#include "ops/normalization_layout.h"

namespace dagnet::cuda {

namespace {
constexpr int kRowsPerBlock = 8;          // blockDim.y of the sums kernel (blockDim.x = 32)
constexpr int64_t kSharedParams = 2048;   // dgamma/dbeta accumulated in shared memory up to this
constexpr unsigned kMaxGridY = 65535;

template <typename T>
struct Pointers {
  const T *x, *gamma, *beta, *weights, *mean_in, *var_in, *dy, *dmean_in, *dvar_in;
  T *y, *mean, *var, *dx, *dgamma, *dbeta, *dmean, *dvar;
};

template <typename T>
Pointers<T> pointers(const KernelContext& ctx, const NormSetup& s, bool backward) {
  auto in = [&](int index) -> const T* {
    return index >= 0 ? ctx.inputs[static_cast<size_t>(index)].data<T>() : nullptr;
  };
  auto out = [&](size_t index) -> T* {
    return index < ctx.outputs.size() && ctx.outputs[index].defined() ? ctx.outputs[index].data<T>() : nullptr;
  };
  Pointers<T> p{};
  if (!backward) {  // x, [mean, var], [gamma], [beta], [weights]
    int n = 1;
    p.x = in(0);
    if (s.fixed_stats) {
      p.mean_in = in(n++);
      p.var_in = in(n++);
    }
    p.gamma = s.scale ? in(n++) : nullptr;
    p.beta = s.center ? in(n++) : nullptr;
    p.weights = s.weighted ? in(n++) : nullptr;
    p.y = out(0);
    if (!s.fixed_stats) {
      p.mean = out(1);
      p.var = out(2);
    }
    return p;
  }
  int n = 4;  // dy, x, mean, var, [gamma], [weights], [dmean, dvar]
  p.dy = in(0);
  p.x = in(1);
  p.mean_in = in(2);
  p.var_in = in(3);
  p.gamma = s.scale ? in(n++) : nullptr;
  p.weights = s.weighted ? in(n++) : nullptr;
  if (s.stat_grads) {
    p.dmean_in = in(n++);
    p.dvar_in = in(n++);
  }
  p.dx = out(0);
  p.dgamma = out(1);
  p.dbeta = out(2);
  if (s.fixed_stats) {
    p.dmean = out(3);
    p.dvar = out(4);
  }
  return p;
}

// What the sums kernel adds up per element: (a, b) and the weight.
//   forward: d = x - shift: (d, d^2), weighted by the mask weight;
//   backward: g = dy * gamma, z = x - zshift: (g, g z).
template <typename T, bool Backward>
struct SumTerms {
  Pointers<T> p;
  NormLayout l;
  bool shifted;                 // forward: sum about each statistic's first element
  const double* zshift;         // backward: per statistic
  __device__ void operator()(int64_t o, int64_t r, int64_t k, int64_t i, double* a, double* b, double* w) const {
    const int64_t at = l.offset(o, r, k, i);
    const double weight = p.weights ? static_cast<double>(p.weights[o * l.rows + r]) : 1.0;
    if (!Backward) {
      const double shift = shifted ? static_cast<double>(p.x[l.offset(o, 0, k, 0)]) : 0.0;
      const double d = static_cast<double>(p.x[at]) - shift;
      *a += weight * d;
      *b += weight * d * d;
      *w += weight;
      return;
    }
    const double g =
        static_cast<double>(p.dy[at]) * (p.gamma ? static_cast<double>(p.gamma[l.param_index(r, k, i)]) : 1.0);
    *a += g;
    *b += g * (static_cast<double>(p.x[at]) - zshift[o * l.kept + k]);
    *w += weight;
  }
};

// grid: (chunks, tiles * outer); block (32, kRowsPerBlock). Partial sums of statistic st
// from chunk c land in sums[(q * chunks + c) * stats + st] for q = 0, 1, 2.
template <typename Terms>
__global__ void sums_kernel(Terms terms, int64_t tile, int64_t tiles, int64_t row_chunk, int64_t chunks, double* sums) {
  const NormLayout& l = terms.l;
  __shared__ double shared[3][kRowsPerBlock][32];
  const int64_t c = blockIdx.x;
  const int64_t r0 = c * row_chunk, r1 = min(l.rows, r0 + row_chunk);
  for (int64_t yy = blockIdx.y; yy < tiles * l.outer; yy += gridDim.y) {
    const int64_t o = yy / tiles, k0 = (yy % tiles) * tile;
    const int64_t nk = min(tile, l.kept - k0);
    const int64_t width = nk * l.inner;  // consecutive elements of one row in this tile
    double a = 0, b = 0, w = 0;
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kRowsPerBlock)
      for (int64_t q = threadIdx.x; q < width; q += 32) terms(o, r, k0 + q / l.inner, q % l.inner, &a, &b, &w);
    shared[0][threadIdx.y][threadIdx.x] = a;
    shared[1][threadIdx.y][threadIdx.x] = b;
    shared[2][threadIdx.y][threadIdx.x] = w;
    __syncthreads();
    // Thread (0, kl) adds up statistic k0 + kl: the lanes whose q falls in its run (one
    // statistic when tile == 1: every lane).
    if (threadIdx.y == 0 && threadIdx.x < nk) {
      const int kl = threadIdx.x;
      double sa = 0, sb = 0, sw = 0;
      for (int ty = 0; ty < kRowsPerBlock; ++ty)
        for (int lane = 0; lane < 32; ++lane) {
          const bool mine = tile == 1 ? true : (lane < width && lane / l.inner == kl);
          if (!mine) continue;
          sa += shared[0][ty][lane];
          sb += shared[1][ty][lane];
          sw += shared[2][ty][lane];
        }
      const int64_t st = o * l.kept + k0 + kl, stats = l.stats();
      sums[(0 * chunks + c) * stats + st] = sa;
      sums[(1 * chunks + c) * stats + st] = sb;
      sums[(2 * chunks + c) * stats + st] = sw;
    }
    __syncthreads();
  }
}

// Forward: mean/var per statistic (outputs when defined) and the values apply uses:
// stat[0] = value subtracted (mean when centred, else 0), stat[1] = rs.
template <typename T>
__global__ void finish_forward_kernel(NormSetup s, Pointers<T> p, const double* sums, int64_t chunks, double* stat0,
                                      double* stat1) {
  const NormLayout& l = s.layout;
  const int64_t stats = l.stats();
  for (int64_t st = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; st < stats;
       st += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double mean, var;
    if (s.fixed_stats) {
      mean = static_cast<double>(p.mean_in[st]);
      var = static_cast<double>(p.var_in[st]);
    } else {
      double a1 = 0, a2 = 0, w = 0;
      for (int64_t c = 0; c < chunks; ++c) {
        a1 += sums[(0 * chunks + c) * stats + st];
        a2 += sums[(1 * chunks + c) * stats + st];
        w += sums[(2 * chunks + c) * stats + st];
      }
      const int64_t o = st / l.kept, k = st % l.kept;
      const double shift =
          norm_has_mean(s.mode) && l.count() > 0 ? static_cast<double>(p.x[l.offset(o, 0, k, 0)]) : 0.0;
      const NormMoments m = norm_finish_moments(s.mode, a1, a2, w, shift, s.count_epsilon);
      mean = m.mean;
      var = m.var;
      if (p.mean) p.mean[st] = static_cast<T>(mean);
      if (p.var) p.var[st] = static_cast<T>(var);
    }
    stat0[st] = norm_centres(s.mode) ? mean : 0.0;
    stat1[st] = norm_rs(s.mode, var, s.epsilon);
  }
}

template <typename T>
__global__ void apply_forward_kernel(NormLayout l, Pointers<T> p, const double* stat0, const double* stat1, int64_t n) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const NormCoordinates c = norm_coordinates(l, e);
    const int64_t st = c.o * l.kept + c.k, pi = l.param_index(c.r, c.k, c.i);
    const T rs = static_cast<T>(stat1[st]);
    const T a = p.gamma ? rs * p.gamma[pi] : rs;
    const T b = (p.beta ? p.beta[pi] : T(0)) - static_cast<T>(stat0[st]) * a;
    p.y[e] = p.x[e] * a + b;
  }
}

// Backward, per statistic: stat0 = rs, stat1 = c1, stat2 = c0 - c1 * mean (dx = dy rs
// gamma + w (c1 x + stat2)), and the fixed statistics' gradients.
template <typename T>
__global__ void finish_backward_kernel(NormSetup s, Pointers<T> p, const double* sums, int64_t chunks, double* stat0,
                                       double* stat1, double* stat2) {
  const NormLayout& l = s.layout;
  const int64_t stats = l.stats();
  for (int64_t st = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; st < stats;
       st += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double s1 = 0, s2 = 0, w = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      s1 += sums[(0 * chunks + c) * stats + st];
      s2 += sums[(1 * chunks + c) * stats + st];
      w += sums[(2 * chunks + c) * stats + st];
    }
    if (!p.weights) w = static_cast<double>(l.count());
    const double mean = norm_has_mean(s.mode) ? static_cast<double>(p.mean_in[st]) : 0.0;
    const NormGradCoefficients g = norm_grad_coefficients(s, mean, static_cast<double>(p.var_in[st]), w, s1, s2,
                                                          p.dmean_in ? static_cast<double>(p.dmean_in[st]) : 0.0,
                                                          p.dvar_in ? static_cast<double>(p.dvar_in[st]) : 0.0);
    stat0[st] = g.rs;
    stat1[st] = g.c1;
    stat2[st] = g.c0 - g.c1 * mean;
    if (p.dmean) p.dmean[st] = static_cast<T>(g.dmean);
    if (p.dvar) p.dvar[st] = static_cast<T>(g.dvar);
  }
}

template <typename T>
__global__ void zshift_kernel(NormSetup s, const T* mean, int64_t stats, double* zshift) {
  for (int64_t st = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; st < stats;
       st += static_cast<int64_t>(gridDim.x) * blockDim.x)
    zshift[st] = norm_centres(s.mode) ? static_cast<double>(mean[st]) : 0.0;
}

template <typename T>
__global__ void apply_backward_kernel(NormLayout l, Pointers<T> p, const double* stat0, const double* stat1,
                                      const double* stat2, int64_t n) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const NormCoordinates c = norm_coordinates(l, e);
    const int64_t st = c.o * l.kept + c.k;
    const T w = p.weights ? p.weights[c.o * l.rows + c.r] : T(1);
    const T rg = static_cast<T>(stat0[st]) * (p.gamma ? p.gamma[l.param_index(c.r, c.k, c.i)] : T(1));
    p.dx[e] = p.dy[e] * rg + w * (static_cast<T>(stat1[st]) * p.x[e] + static_cast<T>(stat2[st]));
  }
}

// dgamma[p] += dy z rs, dbeta[p] += dy (z = x - zshift), into double accumulators.
template <typename T>
__global__ void params_kernel(NormLayout l, Pointers<T> p, const double* zshift, const double* rs, int64_t n,
                              bool shared_acc, double* acc_gamma, double* acc_beta) {
  extern __shared__ double local[];  // [2 * params] when shared_acc
  double* lg = shared_acc ? local : acc_gamma;
  double* lb = shared_acc ? local + l.params : acc_beta;
  if (shared_acc) {
    for (int64_t q = threadIdx.x; q < 2 * l.params; q += blockDim.x) local[q] = 0;
    __syncthreads();
  }
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const NormCoordinates c = norm_coordinates(l, e);
    const int64_t st = c.o * l.kept + c.k, pi = l.param_index(c.r, c.k, c.i);
    const double d = static_cast<double>(p.dy[e]);
    if (p.dgamma) atomicAdd(lg + pi, d * (static_cast<double>(p.x[e]) - zshift[st]) * rs[st]);
    if (p.dbeta) atomicAdd(lb + pi, d);
  }
  if (shared_acc) {
    __syncthreads();
    for (int64_t q = threadIdx.x; q < l.params; q += blockDim.x) {
      if (p.dgamma) atomicAdd(acc_gamma + q, local[q]);
      if (p.dbeta) atomicAdd(acc_beta + q, local[l.params + q]);
    }
  }
}

template <typename T>
__global__ void cast_kernel(const double* from, T* to, int64_t n) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x)
    to[e] = static_cast<T>(from[e]);
}

template <typename T>
__global__ void moving_average_kernel(T* variable, const T* value, int64_t n, T keep, T take) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x)
    variable[e] = variable[e] * keep + value[e] * take;
}

template <typename T>
__global__ void fold_scale_kernel(const T* bias, const T* mean, const T* var, const T* gamma, const T* beta,
                                  int64_t channels, double epsilon, T* bias_out, T* scale) {
  for (int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; c < channels;
       c += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const double s = norm_rs(NormMode::Moments, static_cast<double>(var[c]), epsilon) *
                     (gamma ? static_cast<double>(gamma[c]) : 1.0);
    const double b = bias ? static_cast<double>(bias[c]) : 0.0;
    bias_out[c] = static_cast<T>((b - static_cast<double>(mean[c])) * s + (beta ? static_cast<double>(beta[c]) : 0.0));
    scale[c] = static_cast<T>(s);
  }
}

template <typename T>
__global__ void fold_kernel_kernel(const T* kernel, const T* scale, int64_t channels, int64_t n, T* out) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[e] = kernel[e] * scale[e % channels];
}

// The workspace carved as norm_device_scratch_bytes lays it out.
struct Scratch {
  double *sums, *stat0, *stat1, *stat2, *stat3, *acc_gamma, *acc_beta;
};
Scratch carve(const KernelContext& ctx, const NormLayout& l) {
  auto piece = [](int64_t doubles) { return (static_cast<size_t>(doubles > 0 ? doubles : 0) * 8 + 255) / 256 * 256; };
  char* at = static_cast<char*>(ctx.workspace);
  Scratch s{};
  const int64_t stats = l.stats(), chunks = norm_device_chunks(l);
  s.sums = reinterpret_cast<double*>(at);
  at += 3 * piece(chunks * stats);
  double** per_stat[4] = {&s.stat0, &s.stat1, &s.stat2, &s.stat3};
  for (double** slot : per_stat) {
    *slot = reinterpret_cast<double*>(at);
    at += piece(stats);
  }
  s.acc_gamma = reinterpret_cast<double*>(at);
  at += piece(l.params);
  s.acc_beta = reinterpret_cast<double*>(at);
  return s;
}

template <typename Terms>
void launch_sums(const Terms& terms, double* sums, cudaStream_t stream) {
  const NormLayout& l = terms.l;
  const int64_t tile = norm_device_tile(l), chunks = norm_device_chunks(l);
  const int64_t tiles = (l.kept + tile - 1) / tile, row_chunk = (l.rows + chunks - 1) / chunks;
  const int64_t ys = tiles * l.outer;
  const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(ys < kMaxGridY ? ys : kMaxGridY));
  sums_kernel<<<grid, dim3(32, kRowsPerBlock), 0, stream>>>(terms, tile, tiles, row_chunk, chunks, sums);
  check_launch("normalization sums");
}

template <typename T>
void forward(const KernelContext& ctx) {
  const NormSetup& s = ctx.prepared<NormSetup>();
  const NormLayout& l = s.layout;
  const int64_t stats = l.stats(), n = ctx.inputs[0].numel();
  if (stats == 0) return;
  const Pointers<T> p = pointers<T>(ctx, s, false);
  const Scratch w = carve(ctx, l);
  cudaStream_t st = stream(ctx);
  if (!s.fixed_stats && l.count() > 0)
    launch_sums(SumTerms<T, false>{p, l, norm_has_mean(s.mode), nullptr}, w.sums, st);
  else if (!s.fixed_stats)
    check_cuda(cudaMemsetAsync(w.sums, 0, 3 * sizeof(double) * static_cast<size_t>(stats), st), "normalize");
  const int64_t chunks = l.count() > 0 ? norm_device_chunks(l) : 1;
  finish_forward_kernel<T><<<blocks_for(stats), kThreads, 0, st>>>(s, p, w.sums, chunks, w.stat0, w.stat1);
  check_launch("normalization statistics");
  if (n == 0) return;
  apply_forward_kernel<T><<<blocks_for(n), kThreads, 0, st>>>(l, p, w.stat0, w.stat1, n);
  check_launch("normalization apply");
}

template <typename T>
void backward(const KernelContext& ctx) {
  const NormSetup& s = ctx.prepared<NormSetup>();
  const NormLayout& l = s.layout;
  const int64_t stats = l.stats(), n = ctx.inputs[1].numel();
  const Pointers<T> p = pointers<T>(ctx, s, true);
  const Scratch w = carve(ctx, l);
  cudaStream_t st = stream(ctx);
  const bool params = (p.dgamma || p.dbeta) && l.params > 0;
  if (params) {
    check_cuda(cudaMemsetAsync(w.acc_gamma, 0, sizeof(double) * static_cast<size_t>(l.params), st), "normalize_grad");
    check_cuda(cudaMemsetAsync(w.acc_beta, 0, sizeof(double) * static_cast<size_t>(l.params), st), "normalize_grad");
  }
  if (stats > 0) {
    zshift_kernel<T><<<blocks_for(stats), kThreads, 0, st>>>(s, p.mean_in, stats, w.stat3);
    check_launch("normalize_grad shifts");
    const bool summed = l.count() > 0;
    if (summed) launch_sums(SumTerms<T, true>{p, l, false, w.stat3}, w.sums, st);
    else check_cuda(cudaMemsetAsync(w.sums, 0, 3 * sizeof(double) * static_cast<size_t>(stats), st), "normalize_grad");
    finish_backward_kernel<T><<<blocks_for(stats), kThreads, 0, st>>>(s, p, w.sums, summed ? norm_device_chunks(l) : 1,
                                                                      w.stat0, w.stat1, w.stat2);
    check_launch("normalize_grad coefficients");
  }
  if (n > 0 && p.dx) {
    apply_backward_kernel<T><<<blocks_for(n), kThreads, 0, st>>>(l, p, w.stat0, w.stat1, w.stat2, n);
    check_launch("normalize_grad dx");
  }
  if (!params) return;
  if (n > 0) {
    const bool shared_acc = l.params <= kSharedParams;
    const size_t shared_bytes = shared_acc ? 2 * sizeof(double) * static_cast<size_t>(l.params) : 0;
    params_kernel<T>
        <<<blocks_for(n), kThreads, shared_bytes, st>>>(l, p, w.stat3, w.stat0, n, shared_acc, w.acc_gamma, w.acc_beta);
    check_launch("normalize_grad dgamma/dbeta");
  }
  if (p.dgamma) cast_kernel<T><<<blocks_for(l.params), kThreads, 0, st>>>(w.acc_gamma, p.dgamma, l.params);
  if (p.dbeta) cast_kernel<T><<<blocks_for(l.params), kThreads, 0, st>>>(w.acc_beta, p.dbeta, l.params);
  check_launch("normalize_grad dgamma/dbeta");
}

template <typename Fn>
void on_float(DType dtype, Fn&& fn) {
  if (dtype == DType::f64) fn(double{});
  else fn(float{});
}
}  // namespace

void register_normalization_kernels() {
  register_kernel("normalize", DeviceType::CUDA, [](const KernelContext& ctx) {
    on_float(ctx.inputs[0].dtype(), [&](auto tag) { forward<decltype(tag)>(ctx); });
  });
  register_kernel("normalize_with_stats", DeviceType::CUDA, [](const KernelContext& ctx) {
    on_float(ctx.inputs[0].dtype(), [&](auto tag) { forward<decltype(tag)>(ctx); });
  });
  register_kernel("normalize_grad", DeviceType::CUDA, [](const KernelContext& ctx) {
    on_float(ctx.inputs[1].dtype(), [&](auto tag) { backward<decltype(tag)>(ctx); });
  });
  register_kernel("moving_average_update", DeviceType::CUDA, [](const KernelContext& ctx) {
    const int64_t n = ctx.inputs[0].numel();
    if (n == 0) return;
    const double momentum = ctx.prepared<double>();
    on_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      moving_average_kernel<T>
          <<<blocks_for(n), kThreads, 0, stream(ctx)>>>(ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), n,
                                                        static_cast<T>(momentum), static_cast<T>(1.0 - momentum));
    });
    check_launch("moving_average_update");
  });
  register_kernel("fold_batch_norm", DeviceType::CUDA, [](const KernelContext& ctx) {
    const NormFoldSetup& in = ctx.prepared<NormFoldSetup>();
    const Tensor& kernel = ctx.inputs[0];
    const int64_t channels = kernel.shape().back(), n = kernel.numel();
    on_float(kernel.dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto input = [&](int index) -> const T* {
        return index >= 0 ? ctx.inputs[static_cast<size_t>(index)].data<T>() : nullptr;
      };
      T* scale = static_cast<T*>(ctx.workspace);
      if (channels > 0)
        fold_scale_kernel<T><<<blocks_for(channels), kThreads, 0, stream(ctx)>>>(
            input(in.bias), input(in.mean), input(in.var), input(in.gamma), input(in.beta), channels, in.epsilon,
            ctx.outputs[1].data<T>(), scale);
      if (n > 0)
        fold_kernel_kernel<T><<<blocks_for(n), kThreads, 0, stream(ctx)>>>(kernel.data<T>(), scale, channels, n,
                                                                           ctx.outputs[0].data<T>());
    });
    check_launch("fold_batch_norm");
  });
}

}  // namespace dagnet::cuda
