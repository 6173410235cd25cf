#include "cpu/depthwise.h"

#include <algorithm>
#include <type_traits>

#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "cpu/depthwise_body.h"

namespace dagnet::cpu {

namespace {
// Partial sums of the kernel gradient: at most this many tasks each sum their rows into
// their own (taps, channels) block.
constexpr int64_t kMaxKernelPartials = 16;

template <typename T>
struct RowKernels {
  void (*forward)(const ConvShape&, const T*, const T*, const T*, T*, int64_t, int64_t);
  void (*grad_input)(const ConvShape&, const T*, const T*, T*, int64_t, int64_t);
  void (*grad_kernel)(const ConvShape&, const T*, const T*, T*, int64_t, int64_t);
};

template <typename T>
RowKernels<T> row_kernels() {
  if constexpr (std::is_same_v<T, float>) {
    const DepthwiseRowKernels k = depthwise_row_kernels_for_cpu();
    return {k.forward, k.grad_input, k.grad_kernel};
  } else {
    return {forward_rows<T, T, 1>, grad_input_rows<T, T, 1>, grad_kernel_rows<T, T, 1>};
  }
}

// Rows per task for rows of `per_row` multiply-adds.
int64_t grain(int64_t per_row) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, per_row)); }
}  // namespace

DepthwiseRowKernels depthwise_row_kernels_baseline() { return depthwise_row_kernels_of<4>(); }

DepthwiseRowKernels depthwise_row_kernels_for_cpu() {
  static const DepthwiseRowKernels chosen = [] {
#if defined(DAGNET_X86_KERNELS)
    switch (active_cpu_isa()) {
      case CpuIsa::AVX512: return depthwise_row_kernels_avx512();
      case CpuIsa::AVX2_FMA: return depthwise_row_kernels_avx2();
      case CpuIsa::Portable: break;
    }
#endif
    return depthwise_row_kernels_baseline();
  }();
  return chosen;
}

template <typename T>
void depthwise_forward(const ConvShape& s, const T* x, const T* kernel, const T* bias, Activation act, double alpha,
                       T* y) {
  const RowKernels<T> k = row_kernels<T>();
  const int64_t rows = s.n * s.od * s.oh, row_size = s.ow * s.c;
  const bool elementwise = act != Activation::Linear && act != Activation::Softmax;
  parallel_for(rows, grain(row_size * s.taps()), [&](int64_t r0, int64_t r1) {
    k.forward(s, x, kernel, bias, y, r0, r1);
    if (elementwise)
      activation_forward_serial<T>(act, alpha, y + r0 * row_size, y + r0 * row_size, (r1 - r0) * row_size);
  });
}

int64_t depthwise_grad_input_scratch(const ConvShape& s) { return s.taps() * s.c; }

template <typename T>
void depthwise_grad_input(const ConvShape& s, const T* dy, const T* kernel, T* dx, T* scratch) {
  const RowKernels<T> k = row_kernels<T>();
  if (s.sd == 1 && s.sh == 1 && s.sw == 1) {
    // A stride-1 input gradient is the "full" correlation of dy with the flipped kernel:
    // the forward kernel, register-blocked, instead of a scatter.
    const int64_t taps = s.taps();
    for (int64_t t = 0; t < taps; ++t)
      std::copy(kernel + t * s.c, kernel + (t + 1) * s.c, scratch + (taps - 1 - t) * s.c);
    ConvShape t{s.n,
                s.oh,
                s.ow,
                s.c,
                s.kh,
                s.kw,
                1,
                1,
                s.dh,
                s.dw,
                (s.kh - 1) * s.dh - s.pad_top,
                (s.kw - 1) * s.dw - s.pad_left,
                s.h,
                s.w};
    t.d = s.od;
    t.kd = s.kd;
    t.dd = s.dd;
    t.pad_front = (s.kd - 1) * s.dd - s.pad_front;
    t.od = s.d;
    t.groups = s.c;
    parallel_for(s.n * s.d * s.h, grain(s.w * s.c * taps),
                 [&](int64_t r0, int64_t r1) { k.forward(t, dy, scratch, nullptr, dx, r0, r1); });
    return;
  }
  parallel_for(s.n * s.d * s.h, grain(s.w * s.c * s.taps()),
               [&](int64_t r0, int64_t r1) { k.grad_input(s, dy, kernel, dx, r0, r1); });
}

int64_t depthwise_grad_kernel_scratch(const ConvShape& s) { return kMaxKernelPartials * s.taps() * s.c; }

template <typename T>
void depthwise_grad_kernel(const ConvShape& s, const T* dy, const T* x, T* d_kernel, T* scratch) {
  const RowKernels<T> k = row_kernels<T>();
  const int64_t rows = s.n * s.od * s.oh, size = s.taps() * s.c;
  const int64_t tasks =
      std::max<int64_t>(1, std::min<int64_t>({kMaxKernelPartials, rows, int64_t(2) * thread_pool().size()}));
  parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      T* partial = scratch + t * size;
      std::fill(partial, partial + size, T(0));
      k.grad_kernel(s, dy, x, partial, rows * t / tasks, rows * (t + 1) / tasks);
    }
  });
  parallel_for(size, 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      T sum = 0;
      for (int64_t t = 0; t < tasks; ++t) sum += scratch[t * size + i];
      d_kernel[i] = sum;
    }
  });
}

template <typename T>
void repeat_channels(const T* x, int64_t rows, int64_t c, int64_t m, T* out) {
  parallel_for(rows, grain(c * m), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t ch = 0; ch < c; ++ch) std::fill_n(out + (r * c + ch) * m, m, x[r * c + ch]);
  });
}

template <typename T>
void sum_channel_repeats(const T* in, int64_t rows, int64_t c, int64_t m, T* out) {
  parallel_for(rows, grain(c * m), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t ch = 0; ch < c; ++ch) {
        T sum = 0;
        for (int64_t j = 0; j < m; ++j) sum += in[(r * c + ch) * m + j];
        out[r * c + ch] = sum;
      }
  });
}

#define DAGNET_DEPTHWISE_INSTANTIATE(T)                                                                       \
  template void depthwise_forward<T>(const ConvShape&, const T*, const T*, const T*, Activation, double, T*); \
  template void depthwise_grad_input<T>(const ConvShape&, const T*, const T*, T*, T*);                        \
  template void depthwise_grad_kernel<T>(const ConvShape&, const T*, const T*, T*, T*);                       \
  template void repeat_channels<T>(const T*, int64_t, int64_t, int64_t, T*);                                  \
  template void sum_channel_repeats<T>(const T*, int64_t, int64_t, int64_t, T*);
DAGNET_DEPTHWISE_INSTANTIATE(float)
DAGNET_DEPTHWISE_INSTANTIATE(double)
#undef DAGNET_DEPTHWISE_INSTANTIATE

}  // namespace dagnet::cpu
