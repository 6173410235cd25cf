// CUDA kernels of max/average pooling (1-, 2-, 3-D, either data format), global pooling
// and their gradients, with the CPU's rules (ops/conv_layout.h's PoolShape): padding never
// contributes; a window's max ignores NaN unless nan_propagates (global max); the max's
// gradient goes to the first maximum of its window (z, y, x order); the average's is
// spread over the window's real elements.
// Forward: one thread per output element. Backward: where windows do not overlap (strides
// >= pool sizes: the common 2x2/2 pools and global pooling) one thread per output writes
// its window after dx is zeroed; otherwise one thread per input element gathers from the
// outputs whose windows cover it (no atomics: deterministic).
#include <cfloat>

#include "cuda/window_support.cuh"
#include "ops/conv_layout.h"

namespace dagnet::cuda {

namespace {
struct Element {
  int64_t image, ch, z, y, x;
};
// Element i of a tensor (n, c, d, h, w) in either data format.
__device__ inline Element element_of(int64_t i, int64_t c, int64_t d, int64_t h, int64_t w, bool channels_first) {
  if (channels_first) return {i / (c * d * h * w), (i / (d * h * w)) % c, (i / (h * w)) % d, (i / w) % h, i % w};
  return {i / (d * h * w * c), i % c, (i / (h * w * c)) % d, (i / (w * c)) % h, (i / c) % w};
}

template <typename T>
__device__ inline bool max_better(bool nan_propagates, T best, T v) {
  return v > best || (nan_propagates && v != v);
}

template <typename T>
__device__ inline T lowest() {  // std::numeric_limits<T>::lowest(), where the CPU's max starts
  if constexpr (sizeof(T) == sizeof(double)) return -DBL_MAX;
  else return -FLT_MAX;
}

// The max of a window and the offset of its first maximum (-1 when none equals it: a
// window of NaNs).
template <typename T>
__device__ inline T window_max(const PoolShape& s, const T* x, int64_t image, int64_t ch, const PoolWindow& w,
                               int64_t* where) {
  T best = s.nan_propagates ? x[pool_input_offset(s, image, ch, w.z0, w.y0, w.x0)] : lowest<T>();
  for (int64_t z = w.z0; z < w.z1; ++z)
    for (int64_t y = w.y0; y < w.y1; ++y)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) {
        const T v = x[pool_input_offset(s, image, ch, z, y, xx)];
        if (max_better(s.nan_propagates, best, v)) best = v;
      }
  *where = -1;
  for (int64_t z = w.z0; z < w.z1 && *where < 0; ++z)
    for (int64_t y = w.y0; y < w.y1 && *where < 0; ++y)
      for (int64_t xx = w.x0; xx < w.x1; ++xx) {
        const int64_t at = pool_input_offset(s, image, ch, z, y, xx);
        if (x[at] == best) {
          *where = at;
          break;
        }
      }
  return best;
}

template <typename T>
__global__ void pool_kernel(PoolShape s, bool is_max, const T* x, T* y) {
  DAGNET_CUDA_FOR(i, s.n * s.c * s.od * s.oh * s.ow) {
    const Element o = element_of(i, s.c, s.od, s.oh, s.ow, s.channels_first);
    const PoolWindow w = pool_window(s, o.z, o.y, o.x);
    if (is_max) {
      int64_t where;
      y[i] = window_max(s, x, o.image, o.ch, w, &where);
    } else {
      T sum = 0;
      for (int64_t z = w.z0; z < w.z1; ++z)
        for (int64_t yy = w.y0; yy < w.y1; ++yy)
          for (int64_t xx = w.x0; xx < w.x1; ++xx) sum += x[pool_input_offset(s, o.image, o.ch, z, yy, xx)];
      y[i] = sum / static_cast<T>(w.size());
    }
  }
}

// Disjoint windows: each output writes its own window of dx (already zeroed).
template <typename T>
__global__ void pool_grad_scatter_kernel(PoolShape s, bool is_max, const T* x, const T* dy, T* dx) {
  DAGNET_CUDA_FOR(i, s.n * s.c * s.od * s.oh * s.ow) {
    const Element o = element_of(i, s.c, s.od, s.oh, s.ow, s.channels_first);
    const PoolWindow w = pool_window(s, o.z, o.y, o.x);
    if (is_max) {
      int64_t where;
      window_max(s, x, o.image, o.ch, w, &where);
      if (where >= 0) dx[where] += dy[i];
    } else {
      const T share = dy[i] / static_cast<T>(w.size());
      for (int64_t z = w.z0; z < w.z1; ++z)
        for (int64_t yy = w.y0; yy < w.y1; ++yy)
          for (int64_t xx = w.x0; xx < w.x1; ++xx) dx[pool_input_offset(s, o.image, o.ch, z, yy, xx)] += share;
    }
  }
}

// The outputs whose window (before clipping) covers input coordinate i along one axis:
// [first, last].
struct Covering {
  int64_t first, last;
};
__device__ inline Covering covering(int64_t i, int64_t k, int64_t stride, int64_t pad, int64_t out) {
  const int64_t t = i + pad;  // o * stride <= t <= o * stride + k - 1
  int64_t first = t - k + 1 <= 0 ? 0 : (t - k + stride) / stride, last = t / stride;
  if (last > out - 1) last = out - 1;
  return {first, last};
}

// Overlapping windows: each input element gathers from the outputs that cover it.
template <typename T>
__global__ void pool_grad_gather_kernel(PoolShape s, bool is_max, const T* x, const T* dy, T* dx) {
  DAGNET_CUDA_FOR(i, s.n * s.c * s.d * s.h * s.w) {
    const Element e = element_of(i, s.c, s.d, s.h, s.w, s.channels_first);
    const Covering cz = covering(e.z, s.kd, s.sd, s.pad_front, s.od), cy = covering(e.y, s.kh, s.sh, s.pad_top, s.oh),
                   cx = covering(e.x, s.kw, s.sw, s.pad_left, s.ow);
    T sum = 0;
    for (int64_t oz = cz.first; oz <= cz.last; ++oz)
      for (int64_t oy = cy.first; oy <= cy.last; ++oy)
        for (int64_t ox = cx.first; ox <= cx.last; ++ox) {
          const PoolWindow w = pool_window(s, oz, oy, ox);
          const T g = dy[pool_output_offset(s, e.image, e.ch, oz, oy, ox)];
          if (is_max) {
            int64_t where;
            window_max(s, x, e.image, e.ch, w, &where);
            if (where == i) sum += g;
          } else {
            sum += g / static_cast<T>(w.size());
          }
        }
    dx[i] = sum;
  }
}

template <typename T>
void pool_grad(const PoolShape& s, bool is_max, const T* x, const T* dy, T* dx, cudaStream_t st) {
  const int64_t in = s.n * s.c * s.d * s.h * s.w, out = s.n * s.c * s.od * s.oh * s.ow;
  if (in == 0) return;
  // Windows are disjoint along an axis when the stride covers the window or there is one output.
  if ((s.sd >= s.kd || s.od == 1) && (s.sh >= s.kh || s.oh == 1) && (s.sw >= s.kw || s.ow == 1)) {
    check_cuda(cudaMemsetAsync(dx, 0, sizeof(T) * in, st), "cudaMemsetAsync");
    if (out == 0) return;
    pool_grad_scatter_kernel<T><<<blocks_for(out), kThreads, 0, st>>>(s, is_max, x, dy, dx);
  } else {
    pool_grad_gather_kernel<T><<<blocks_for(in), kThreads, 0, st>>>(s, is_max, x, dy, dx);
  }
  check_launch("pooling gradient");
}

template <typename Fn>
void by_dtype(DType dtype, Fn&& fn) {
  if (dtype == DType::f64) fn(double{});
  else fn(float{});
}

void register_pool(const std::string& name, bool is_max) {
  register_kernel(name, DeviceType::CUDA, [is_max](const KernelContext& ctx) {
    const PoolShape& s = ctx.prepared<PoolState>().s;
    const int64_t out = ctx.outputs[0].numel();
    if (out == 0) return;
    by_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      pool_kernel<T>
          <<<blocks_for(out), kThreads, 0, stream(ctx)>>>(s, is_max, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>());
    });
    check_launch(is_max ? "max pooling" : "average pooling");
  });
  // <op>_grad(dy, x): the average's x is read for its shape only.
  register_kernel(name + "_grad", DeviceType::CUDA, [is_max](const KernelContext& ctx) {
    const PoolShape& s = ctx.prepared<PoolState>().s;
    by_dtype(ctx.outputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* x = is_max ? ctx.inputs[1].data<T>() : nullptr;
      pool_grad<T>(s, is_max, x, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>(), stream(ctx));
    });
  });
}
}  // namespace

void register_pooling_cuda_kernels() {
  for (const char* rank : {"1d", "2d", "3d"}) {
    register_pool(std::string("max_pool") + rank, true);
    register_pool(std::string("avg_pool") + rank, false);
  }
  register_pool("global_max_pool", true);
  register_pool("global_avg_pool", false);
}

}  // namespace dagnet::cuda
