#include "cpu/conv_gemm.h"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/conv.h"
#include "cpu/conv1d_winograd.h"
#include "cpu/conv_indirect.h"
#include "cpu/conv_winograd.h"
#include "cpu/elementwise.h"
#include "cpu/epilogue.h"
#include "cpu/gemm.h"

namespace dagnet::cpu {

namespace {
// The (taps, c, filters) dense kernel of a grouped (taps, c / groups, filters) one: input
// channel g * cg + i feeds filters [g * fg, (g + 1) * fg) with the grouped kernel's row i.
void dense_group_kernel(const ConvShape& s, int64_t filters, const float* kernel, float* dense) {
  const int64_t cg = s.group_channels(), fg = filters / s.groups;
  std::fill(dense, dense + s.taps() * s.c * filters, 0.0f);
  for (int64_t t = 0; t < s.taps(); ++t)
    for (int64_t ch = 0; ch < s.c; ++ch) {
      const int64_t g = ch / cg;
      const float* from = kernel + (t * cg + ch % cg) * filters + g * fg;
      std::copy(from, from + fg, dense + (t * s.c + ch) * filters + g * fg);
    }
}

// One group's GEMM operands over images [first, last): A = the group's im2col columns
// (or, pointwise, the input itself), B = the group's kernel columns.
template <typename T>
const T* group_columns(const ConvShape& s, const T* x_nhwc, int64_t first, int64_t last, int64_t group, T* cols,
                       int64_t* lda) {
  const int64_t cg = s.group_channels();
  if (s.is_pointwise()) {
    *lda = s.c;
    return x_nhwc + first * s.spatial() * s.c + group * cg;
  }
  im2col(x_nhwc, s, first, last, group * cg, cg, cols);
  *lda = s.k();
  return cols;
}

// The input gradient of a float32 convolution (groups 1) as convolutions of dy, one per
// output phase, on the indirect kernel: no im2col columns and no col2im scatter.
//   Along an axis with stride 1, d x[i] = sum_t dy[i + p - t*d] W[t]: a stride-1
//   correlation of dy with the flipped kernel, padding (k-1)*d - p before.
//   Along an axis with stride s > 1 (dilation 1), the positions i = m*s + r of phase r get
//   the taps t = t0 + j*s, t0 = (r + p) mod s, from dy[m + c - j], c = (r + p - t0) / s:
//   a stride-1 correlation over the J taps of the phase, flipped, padding (J-1) - c.
// A phase's output is written to its positions of dx (phases with no taps get zeros).
// Returns false where it does not apply (groups, stride and dilation both > 1 on an axis,
// few channels, or 'valid' windows on small images, where the padding is most of the work).
bool grad_input_by_phases_applies(const ConvShape& s) {
  if (!conv2d_indirect_pays(s)) return false;
  if ((s.sd > 1 && s.dd > 1) || (s.sh > 1 && s.dh > 1) || (s.sw > 1 && s.dw > 1)) return false;
  return s.out_spatial() * s.sd * s.sh * s.sw * 4 >= s.spatial() * 3;
}

bool grad_input_by_phases(const ConvGeometry& g, const float* dy, const float* kernel, float* dx, float* scratch) {
  const ConvShape& s = g.s;
  if (!grad_input_by_phases_applies(s)) return false;
  struct Axis {
    int64_t in, out, k, stride, dilation, pad;
  };
  const Axis axes[3] = {{s.d, s.od, s.kd, s.sd, s.dd, s.pad_front},
                        {s.h, s.oh, s.kh, s.sh, s.dh, s.pad_top},
                        {s.w, s.ow, s.kw, s.sw, s.dw, s.pad_left}};
  struct Phase {
    int64_t first_tap, taps, pad, positions;  // along one axis
  };
  auto phase_of = [](const Axis& a, int64_t r) {
    const int64_t positions = r < a.in ? (a.in - r + a.stride - 1) / a.stride : 0;
    if (a.stride == 1) return Phase{0, a.k, (a.k - 1) * a.dilation - a.pad, positions};
    const int64_t t0 = (r + a.pad) % a.stride, taps = t0 < a.k ? (a.k - t0 + a.stride - 1) / a.stride : 0;
    return Phase{t0, taps, taps - 1 - (r + a.pad - t0) / a.stride, positions};
  };
  const int64_t f = g.filters;
  float* phase_kernel = scratch;
  float* phase_out = scratch + s.taps() * s.c * f;
  for (int64_t rz = 0; rz < s.sd; ++rz)
    for (int64_t ry = 0; ry < s.sh; ++ry)
      for (int64_t rx = 0; rx < s.sw; ++rx) {
        const Phase pz = phase_of(axes[0], rz), py = phase_of(axes[1], ry), px = phase_of(axes[2], rx);
        if (pz.positions == 0 || py.positions == 0 || px.positions == 0) continue;
        const int64_t rows = s.n * pz.positions * py.positions * px.positions;
        if (pz.taps == 0 || py.taps == 0 || px.taps == 0) {
          std::fill(phase_out, phase_out + rows * s.c, 0.0f);
        } else {
          // The phase's kernel, flipped along each axis, input and output channels swapped:
          // (taps_z, taps_y, taps_x, filters, channels).
          auto tap = [](const Phase& p, const Axis& a, int64_t j) {
            return a.stride == 1 ? a.k - 1 - j : p.first_tap + (p.taps - 1 - j) * a.stride;
          };
          float* out = phase_kernel;
          for (int64_t jz = 0; jz < pz.taps; ++jz)
            for (int64_t jy = 0; jy < py.taps; ++jy)
              for (int64_t jx = 0; jx < px.taps; ++jx) {
                const int64_t t = (tap(pz, axes[0], jz) * s.kh + tap(py, axes[1], jy)) * s.kw + tap(px, axes[2], jx);
                for (int64_t o = 0; o < f; ++o)
                  for (int64_t ci = 0; ci < s.c; ++ci) *out++ = kernel[(t * s.c + ci) * f + o];
              }
          ConvShape t{s.n,
                      s.oh,
                      s.ow,
                      f,
                      py.taps,
                      px.taps,
                      1,
                      1,
                      s.sh == 1 ? s.dh : 1,
                      s.sw == 1 ? s.dw : 1,
                      py.pad,
                      px.pad,
                      py.positions,
                      px.positions};
          t.d = s.od;
          t.kd = pz.taps;
          t.dd = s.sd == 1 ? s.dd : 1;
          t.pad_front = pz.pad;
          t.od = pz.positions;
          conv2d_indirect(dy, t, phase_kernel, s.c, GemmEpilogue{}, phase_out);
        }
        if (s.sd == 1 && s.sh == 1 && s.sw == 1) {
          std::copy(phase_out, phase_out + rows * s.c, dx);
          return true;
        }
        // Row r of the phase is input position (image, mz*sd + rz, my*sh + ry, mx*sw + rx).
        parallel_for(s.n * pz.positions * py.positions, 64, [&](int64_t b, int64_t e) {
          for (int64_t row = b; row < e; ++row) {
            const int64_t image = row / (pz.positions * py.positions), mz = (row / py.positions) % pz.positions,
                          my = row % py.positions;
            const float* src = phase_out + row * px.positions * s.c;
            float* dst = dx + input_pixel(s, image, mz * s.sd + rz, my * s.sh + ry, rx);
            for (int64_t mx = 0; mx < px.positions; ++mx)
              std::copy(src + mx * s.c, src + (mx + 1) * s.c, dst + mx * s.sw * s.c);
          }
        });
      }
  return true;
}

// dx (channels-last) from dy (channels-last).
template <typename T>
void grad_input_nhwc(const ConvGeometry& g, const T* dy, const T* kernel, T* dx, T* scratch) {
  const ConvShape& s = g.s;
  const int64_t chunk = g.images_per_chunk(), per_image = s.out_spatial(), K = s.k(), f = g.filters;
  const int64_t cg = s.group_channels(), fg = g.group_filters();
  if constexpr (std::is_same_v<T, float>) {
    if (g.runs_winograd()) {  // the correlation of dy with the flipped, channel-swapped kernel
      const WinogradShape w{s.n, s.oh, s.ow, f, s.h, s.w, s.c, 2 - s.pad_top, 2 - s.pad_left};
      conv2d_winograd(dy, w, kernel, true, GemmEpilogue{}, dx, scratch);
      return;
    }
    if (g.runs_winograd_1d()) {  // the same, along one axis
      const Winograd1dShape w{s.n, s.ow, f, s.w, s.c, s.kw - 1 - s.pad_left, s.kw};
      conv1d_winograd(dy, w, kernel, true, GemmEpilogue{}, dx, scratch);
      return;
    }
    if (grad_input_by_phases(g, dy, kernel, dx, scratch)) return;
  }
  if (s.is_pointwise()) {
    for (int64_t grp = 0; grp < s.groups; ++grp)
      gemm<T>(false, true, s.n * per_image, cg, fg, dy + grp * fg, f, kernel + grp * fg, f, dx + grp * cg, s.c, false);
    return;
  }
  fill<T>(dx, T(0), g.in_elements());
  for (int64_t first = 0; first < s.n; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      gemm<T>(false, true, (last - first) * per_image, K, fg, dy + first * per_image * f + grp * fg, f,
              kernel + grp * fg, f, scratch, K, false);
      col2im_add(scratch, s, first, last, grp * cg, cg, dx);
    }
  }
}
bool forward_indirect_applies(const ConvGeometry& g) { return g.groups_run_dense() || conv2d_indirect_pays(g.s); }

// The forward convolution of g as Winograd sees it (its kernel gradient takes this too).
WinogradShape winograd_shape(const ConvGeometry& g) {
  const ConvShape& s = g.s;
  return {s.n, s.h, s.w, s.c, s.oh, s.ow, g.filters, s.pad_top, s.pad_left};
}

// The forward convolution of g as 1-D Winograd sees it (its kernel gradient takes this too).
Winograd1dShape winograd_1d_shape(const ConvGeometry& g) {
  const ConvShape& s = g.s;
  return {s.n, s.w, s.c, s.ow, g.filters, s.pad_left, s.kw};
}

bool kernel_gradient_indirect_applies(const ConvShape& s) {
  return s.n > 0 && s.groups == 1 && !s.is_pointwise() && conv2d_kernel_gradient_indirect_pays(s);
}
}  // namespace

int64_t conv_cpu_scratch_elements(const ConvGeometry& g, ConvPass pass, bool float32) {
  const ConvShape& s = g.s;
  const int64_t layout = g.channels_first ? g.in_elements() + g.out_elements() : 0;
  const int64_t columns = s.is_pointwise() ? 0 : g.images_per_chunk() * s.out_spatial() * s.k();
  const int64_t winograd_kernel = g.winograd_kernel_elements();
  switch (pass) {
    case ConvPass::Forward:
      if (float32 && g.runs_winograd()) return layout + winograd_kernel;
      if (float32 && g.runs_winograd_1d()) return layout + g.winograd_1d_kernel_elements();
      if (float32 && g.groups_run_dense()) return layout + s.taps() * s.c * g.filters;
      if (float32 && forward_indirect_applies(g)) return layout;
      return layout + columns;
    case ConvPass::GradInput:
      if (float32 && g.runs_winograd()) return layout + winograd_kernel;
      if (float32 && g.runs_winograd_1d()) return layout + g.winograd_1d_kernel_elements();
      if (float32 && grad_input_by_phases_applies(s)) return layout + g.phase_elements();
      return layout + columns;
    case ConvPass::GradKernel:
      if (float32 && g.runs_winograd()) return layout + conv2d_winograd_grad_kernel_scratch(winograd_shape(g));
      if (float32 && g.runs_winograd_1d()) return layout + conv1d_winograd_grad_kernel_scratch(winograd_1d_shape(g));
      if (float32 && kernel_gradient_indirect_applies(s)) return layout;
      return layout + (s.is_pointwise() ? 0 : g.kernel_gradient_images_per_chunk() * s.out_spatial() * s.k());
  }
  return layout + g.scratch_elements();
}

template <typename T>
void finish_conv_output(T* y_nhwc, int64_t images, int64_t positions, int64_t width, int64_t channels, const T* bias,
                        Activation act, double alpha, bool channels_first, T* y) {
  const bool softmax_after = channels_first && act == Activation::Softmax;
  bias_activation_rows<T>(y_nhwc, images * positions, channels, bias, softmax_after ? Activation::Linear : act, alpha);
  if (!channels_first) return;
  channels_last_to_first(y_nhwc, images, channels, positions, y);
  if (softmax_after)  // Keras's softmax takes the last axis, which is width here
    activation_forward<T>(act, alpha, ActivationLayout{images * channels * positions / width, width, 1}, y, y);
}

template <typename T>
void conv_forward(const ConvGeometry& g, const T* x, const T* kernel, const T* bias, Activation act, double alpha, T* y,
                  T* scratch) {
  const ConvShape& s = g.s;
  const T* x_nhwc = x;
  T* y_nhwc = y;
  if (g.channels_first) {
    channels_first_to_last(x, s.n, s.c, s.spatial(), scratch);
    x_nhwc = scratch;
    y_nhwc = scratch + g.in_elements();
    scratch = y_nhwc + g.out_elements();
  }
  const int64_t chunk = g.images_per_chunk(), per_image = s.out_spatial(), K = s.k(), f = g.filters;
  const int64_t fg = g.group_filters();
  const bool softmax = act == Activation::Softmax;
  // float32 applies bias and elementwise activations inside the GEMM, tile by tile.
  constexpr bool fused = std::is_same_v<T, float>;
  const bool winograd_1d = fused && g.runs_winograd_1d();
  const bool winograd = fused && (g.runs_winograd() || winograd_1d);
  const bool indirect = fused && !winograd && forward_indirect_applies(g);
  if constexpr (fused) {
    if (winograd && !winograd_1d) {
      const WinogradShape w{s.n, s.h, s.w, s.c, s.oh, s.ow, f, s.pad_top, s.pad_left};
      conv2d_winograd(x_nhwc, w, kernel, false, GemmEpilogue{bias, softmax ? Activation::Linear : act, alpha}, y_nhwc,
                      scratch);
    }
    if (winograd_1d) {
      conv1d_winograd(x_nhwc, winograd_1d_shape(g), kernel, false,
                      GemmEpilogue{bias, softmax ? Activation::Linear : act, alpha}, y_nhwc, scratch);
    }
    if (indirect) {
      // Indirect GEMM: the micro-kernel reads input pixels in place (no im2col buffer).
      GemmEpilogue epilogue{bias, softmax ? Activation::Linear : act, alpha};
      if (s.groups == 1) {
        conv2d_indirect(x_nhwc, s, kernel, f, epilogue, y_nhwc);
      } else {
        ConvShape ungrouped = s;
        ungrouped.groups = 1;
        dense_group_kernel(s, f, kernel, scratch);
        conv2d_indirect(x_nhwc, ungrouped, scratch, f, epilogue, y_nhwc);
      }
    }
  }
  for (int64_t first = 0; first < s.n && !indirect && !winograd; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    const int64_t rows = (last - first) * per_image;
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      int64_t lda = K;
      const T* a = group_columns(s, x_nhwc, first, last, grp, scratch, &lda);
      T* out = y_nhwc + first * per_image * f + grp * fg;
      if constexpr (fused) {
        GemmEpilogue epilogue{bias ? bias + grp * fg : nullptr, softmax ? Activation::Linear : act, alpha};
        gemm_epilogue(false, false, rows, fg, K, a, lda, kernel + grp * fg, f, out, f, false, epilogue);
      } else {
        gemm<T>(false, false, rows, fg, K, a, lda, kernel + grp * fg, f, out, f, false);
      }
    }
  }
  // What the GEMM epilogue did not apply: everything for float64, softmax for float32.
  finish_conv_output<T>(y_nhwc, s.n, per_image, s.ow, f, fused ? nullptr : bias,
                        fused && !softmax ? Activation::Linear : act, alpha, g.channels_first, y);
}

template <typename T>
void conv_grad_input(const ConvGeometry& g, const T* dy, const T* kernel, T* dx, T* scratch) {
  const ConvShape& s = g.s;
  const T* dy_nhwc = dy;
  T* dx_nhwc = dx;
  if (g.channels_first) {
    channels_first_to_last(dy, s.n, g.filters, s.out_spatial(), scratch);
    dy_nhwc = scratch;
    dx_nhwc = scratch + g.out_elements();
    scratch = dx_nhwc + g.in_elements();
  }
  grad_input_nhwc<T>(g, dy_nhwc, kernel, dx_nhwc, scratch);
  if (g.channels_first) channels_last_to_first(dx_nhwc, s.n, s.c, s.spatial(), dx);
}

template <typename T>
void conv_transpose(const ConvGeometry& g, const T* x, const T* kernel, const T* bias, Activation act, double alpha,
                    T* y, T* scratch) {
  const ConvShape& s = g.s;
  const T* x_nhwc = x;
  T* y_nhwc = y;
  if (g.channels_first) {
    channels_first_to_last(x, s.n, g.filters, s.out_spatial(), scratch);
    x_nhwc = scratch;
    y_nhwc = scratch + g.out_elements();
    scratch = y_nhwc + g.in_elements();
  }
  grad_input_nhwc<T>(g, x_nhwc, kernel, y_nhwc, scratch);
  finish_conv_output<T>(y_nhwc, s.n, s.spatial(), s.w, s.c, bias, act, alpha, g.channels_first, y);
}

template <typename T>
void conv_grad_kernel(const ConvGeometry& g, const T* dy, const T* x, T* d_kernel, T* scratch) {
  const ConvShape& s = g.s;
  const T *dy_nhwc = dy, *x_nhwc = x;
  if (g.channels_first) {
    channels_first_to_last(dy, s.n, g.filters, s.out_spatial(), scratch);
    dy_nhwc = scratch;
    T* u = scratch + g.out_elements();
    channels_first_to_last(x, s.n, s.c, s.spatial(), u);
    x_nhwc = u;
    scratch = u + g.in_elements();
  }
  const int64_t chunk = g.kernel_gradient_images_per_chunk(), per_image = s.out_spatial(), K = s.k(), f = g.filters;
  const int64_t fg = g.group_filters();
  if (s.n == 0) fill<T>(d_kernel, T(0), K * f);
  if constexpr (std::is_same_v<T, float>) {
    if (g.runs_winograd()) {
      conv2d_winograd_grad_kernel(x_nhwc, winograd_shape(g), dy_nhwc, d_kernel, scratch);
      return;
    }
    if (g.runs_winograd_1d()) {
      conv1d_winograd_grad_kernel(x_nhwc, winograd_1d_shape(g), dy_nhwc, d_kernel, scratch);
      return;
    }
    if (kernel_gradient_indirect_applies(s) && conv2d_kernel_gradient_indirect(x_nhwc, s, dy_nhwc, f, d_kernel)) return;
  }
  for (int64_t first = 0; first < s.n; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    for (int64_t grp = 0; grp < s.groups; ++grp) {
      int64_t lda = K;
      const T* a = group_columns(s, x_nhwc, first, last, grp, scratch, &lda);
      gemm<T>(true, false, K, fg, (last - first) * per_image, a, lda, dy_nhwc + first * per_image * f + grp * fg, f,
              d_kernel + grp * fg, f, first > 0);
    }
  }
}

#define DAGNET_CONV_GEMM_INSTANTIATE(T)                                                                           \
  template void conv_forward<T>(const ConvGeometry&, const T*, const T*, const T*, Activation, double, T*, T*);   \
  template void conv_grad_input<T>(const ConvGeometry&, const T*, const T*, T*, T*);                              \
  template void conv_grad_kernel<T>(const ConvGeometry&, const T*, const T*, T*, T*);                             \
  template void conv_transpose<T>(const ConvGeometry&, const T*, const T*, const T*, Activation, double, T*, T*); \
  template void finish_conv_output<T>(T*, int64_t, int64_t, int64_t, int64_t, const T*, Activation, double, bool, T*);
DAGNET_CONV_GEMM_INSTANTIATE(float)
DAGNET_CONV_GEMM_INSTANTIATE(double)
#undef DAGNET_CONV_GEMM_INSTANTIATE

}  // namespace dagnet::cpu
