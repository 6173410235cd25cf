// The convolution family's geometry (ops/<family>_layout.h, see CONTRIBUTING.md), shared by
// the ops, their CPU kernels and their CUDA kernels: a sliding window over channels-last
// data (convolution, depthwise convolution, pooling): input (n, d, h, w, c), window
// (kd, kh, kw) with strides, dilations and the padding before each axis, output
// (n, od, oh, ow, filters). 1-D and 2-D windows are 3-D ones of depth 1 (and height 1) over
// the same memory. The index helpers are DAGNET_HOST_DEVICE, so the CPU kernels and their
// tests exercise the arithmetic the CUDA kernels run. Last, the states the ops' prepare
// rules hand their kernels of every device.
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"
#include "ops/host_device.h"
#include "ops/kinds.h"

namespace dagnet {

struct ConvShape {
  int64_t n, h, w, c;              // input
  int64_t kh, kw, sh, sw, dh, dw;  // window
  int64_t pad_top, pad_left;
  int64_t oh, ow;                  // output
  // The depth axis of 3-D windows and the channel groups come last, with defaults, so a
  // 2-D geometry can be written as the 14 values above.
  int64_t d = 1, kd = 1, sd = 1, dd = 1, pad_front = 0, od = 1;
  int64_t groups = 1;  // input and output channels split into this many independent convolutions

  DAGNET_HOST_DEVICE int64_t taps() const { return kd * kh * kw; }
  DAGNET_HOST_DEVICE int64_t group_channels() const { return c / groups; }
  // The depth of one group's GEMM: a window's taps times the group's channels (the rows of
  // Keras's (kd, kh, kw, cin / groups, filters) kernel).
  DAGNET_HOST_DEVICE int64_t k() const { return taps() * group_channels(); }
  DAGNET_HOST_DEVICE int64_t spatial() const { return d * h * w; }
  DAGNET_HOST_DEVICE int64_t out_spatial() const { return od * oh * ow; }
  bool is_pointwise() const {
    return taps() == 1 && sd == 1 && sh == 1 && sw == 1 && pad_front == 0 && pad_top == 0 && pad_left == 0 && od == d &&
           oh == h && ow == w;
  }
};

// The input coordinate that output coordinate `o` reads at window offset `k` along one axis
// (may fall in the padding: outside [0, size)).
DAGNET_HOST_DEVICE inline int64_t window_input(int64_t o, int64_t k, int64_t stride, int64_t dilation,
                                               int64_t pad_before) {
  return o * stride - pad_before + k * dilation;
}

// An output position (image, oz, oy, ox) from its row index in (n * od * oh * ow).
struct OutputPosition {
  int64_t image, z, y, x;
};
DAGNET_HOST_DEVICE inline OutputPosition output_position(const ConvShape& s, int64_t row) {
  const int64_t per_image = s.od * s.oh * s.ow, rest = row % per_image, plane = s.oh * s.ow;
  return {row / per_image, rest / plane, (rest % plane) / s.ow, rest % s.ow};
}

// The input element (image, z, y, x) of a window: its offset in the NDHWC input (channel
// 0), or -1 where the window lies in the padding.
DAGNET_HOST_DEVICE inline int64_t input_pixel(const ConvShape& s, int64_t image, int64_t z, int64_t y, int64_t x) {
  if (z < 0 || z >= s.d || y < 0 || y >= s.h || x < 0 || x >= s.w) return -1;
  return (((image * s.d + z) * s.h + y) * s.w + x) * s.c;
}

// The tap (kz, ky, kx) of a window from its index in (kd * kh * kw).
struct WindowTap {
  int64_t z, y, x;
};
DAGNET_HOST_DEVICE inline WindowTap window_tap(const ConvShape& s, int64_t tap) {
  return {tap / (s.kh * s.kw), (tap / s.kw) % s.kh, tap % s.kw};
}

// The output coordinate whose window reads input coordinate `i` at window offset `k` along
// one axis: -1 when no output does (between strides, or outside [0, out)). The inverse of
// window_input, for gradients gathered per input element.
DAGNET_HOST_DEVICE inline int64_t window_output(int64_t i, int64_t k, int64_t stride, int64_t dilation,
                                                int64_t pad_before, int64_t out) {
  const int64_t t = i + pad_before - k * dilation;
  if (t < 0 || t % stride != 0) return -1;
  return t / stride < out ? t / stride : -1;
}

// The input pixel that output position `p` reads at tap `t`: offset of channel 0, or -1.
DAGNET_HOST_DEVICE inline int64_t tap_source(const ConvShape& s, const OutputPosition& p, const WindowTap& t) {
  return input_pixel(s, p.image, window_input(p.z, t.z, s.sd, s.dd, s.pad_front),
                     window_input(p.y, t.y, s.sh, s.dh, s.pad_top), window_input(p.x, t.x, s.sw, s.dw, s.pad_left));
}

// A convolution: its window geometry, its output channels (filters) and the data format
// of its input and output (channels_first tensors are transposed to channels-last
// scratch around the kernels).
struct ConvGeometry {
  ConvShape s{};
  int64_t filters = 0;
  bool channels_first = false;
  DAGNET_HOST_DEVICE int64_t group_filters() const { return filters / s.groups; }
  DAGNET_HOST_DEVICE int64_t in_elements() const { return s.n * s.spatial() * s.c; }
  DAGNET_HOST_DEVICE int64_t out_elements() const { return s.n * s.out_spatial() * filters; }
  // Images whose im2col columns fit one chunk of scratch (at least one).
  int64_t images_per_chunk() const { return images_in(int64_t(1) << 22); }  // 16 MiB of float32
  // The CPU kernel gradient's chunk is 4 MiB: its GEMM sums over positions, so a smaller
  // chunk only cuts that sum into more passes over the small dW, while the scratch shrinks
  // (the backward wave of dual_inception runs 2 such convs at once: 7.8 -> 3.9 MB each).
  int64_t kernel_gradient_images_per_chunk() const { return images_in(int64_t(1) << 20); }
  int64_t images_in(int64_t chunk_elements) const {
    const int64_t per_image = s.out_spatial() * s.k() > 0 ? s.out_spatial() * s.k() : 1;
    const int64_t fit = chunk_elements / per_image;
    return fit < 1 ? 1 : (fit < s.n ? fit : (s.n > 0 ? s.n : 1));
  }
  // The input gradient by output phases (cpu/conv_gemm.cpp): a rearranged kernel and one
  // phase's share of the input positions.
  int64_t phase_elements() const {
    const int64_t per_phase = ((s.d + s.sd - 1) / s.sd) * ((s.h + s.sh - 1) / s.sh) * ((s.w + s.sw - 1) / s.sw);
    return s.taps() * s.c * filters + s.n * per_phase * s.c;
  }
  // Up to 4 groups over at least 16 channels, the float32 CPU forward runs the ungrouped
  // indirect kernel on the block-diagonal dense kernel (zeros between groups): groups x the
  // multiply-adds, but the grouped path (an im2col copy and a narrow GEMM per group) is slower
  // than that for few groups (3x3, 8x28x28x128 -> 128, one thread, CPU time, grouped vs
  // dense: 2 groups 18-22 ms vs 10 ms, 4 groups 13.5 vs 10.2 ms, 8 groups 9.4-10.5 vs 9.9 ms).
  bool groups_run_dense() const {
    return s.groups > 1 && s.groups <= 4 && !s.is_pointwise() && s.c >= 16 && s.c <= 4096;
  }
  // The float32 CPU forward and input gradient run Winograd F(2x2, 3x3)
  // (cpu/conv_winograd.h): a 2-D 3x3 window, stride 1, dilation 1, one group, and enough
  // channels on both sides that its 16 GEMMs (2.25x fewer multiplies) outweigh the tile
  // transforms. Thresholds measured in benchmarks/NOTES.md (perf-winograd).
  static constexpr int64_t kWinogradMinChannels = 64;
  bool runs_winograd() const {
    return s.kd == 1 && s.d == 1 && s.kh == 3 && s.kw == 3 && s.sh == 1 && s.sw == 1 && s.dh == 1 && s.dw == 1 &&
           s.groups == 1 && s.c >= kWinogradMinChannels && filters >= kWinogradMinChannels && s.oh > 0 && s.ow > 0 &&
           s.n > 0;
  }
  // The Winograd-transformed kernel: 16 x cin x cout with cout padded to whole GEMM panels
  // (NR <= 32); either side may be cin (the input gradient swaps them), so both are padded.
  int64_t winograd_kernel_elements() const {
    const auto panels = [](int64_t channels) { return (channels + 31) / 32 * 32; };
    return 16 * panels(s.c) * panels(filters);
  }
  // The float32 CPU forward and input gradient of a 1-D window of 3 or 5 taps (a 2-D one
  // of height 1 too) run Winograd F(4, 3) / F(4, 5) (cpu/conv1d_winograd.h): stride 1,
  // dilation 1, one group, >= 64 channels in and out, as the 2-D path. Measured in
  // benchmarks/NOTES.md (perf-wino-1d).
  bool runs_winograd_1d() const {
    return s.kd == 1 && s.d == 1 && s.kh == 1 && s.h == 1 && s.oh == 1 && (s.kw == 3 || s.kw == 5) && s.sw == 1 &&
           s.dw == 1 && s.groups == 1 && s.c >= kWinogradMinChannels && filters >= kWinogradMinChannels && s.ow > 0 &&
           s.n > 0 && s.n * ((s.ow + 3) / 4) >= kWinograd1dMinTiles;
  }
  // Below this many 4-output tiles the per-call kernel transform outweighs the saved
  // multiplies (conv1d_multi at batch 1: 3 to 124 tiles per conv).
  static constexpr int64_t kWinograd1dMinTiles = 256;
  // Its transformed kernel: kw + 3 points x cin x cout, both padded to whole panels (NR <= 32).
  int64_t winograd_1d_kernel_elements() const {
    const auto panels = [](int64_t channels) { return (channels + 31) / 32 * 32; };
    return (s.kw + 3) * panels(s.c) * panels(filters);
  }
  // Scratch elements of the forward and both gradients (the transposed convolution is the
  // input gradient): channels-last copies of a channels_first input and output, plus one
  // chunk of im2col columns, the phase scratch, a grouped kernel made dense or a
  // Winograd-transformed kernel, whichever is largest.
  int64_t scratch_elements() const {
    int64_t elements = s.is_pointwise() ? 0 : images_per_chunk() * s.out_spatial() * s.k();
    if (!s.is_pointwise() && s.groups == 1 && phase_elements() > elements) elements = phase_elements();
    if (groups_run_dense() && s.taps() * s.c * filters > elements) elements = s.taps() * s.c * filters;
    if (runs_winograd() && winograd_kernel_elements() > elements) elements = winograd_kernel_elements();
    if (runs_winograd_1d() && winograd_1d_kernel_elements() > elements) elements = winograd_1d_kernel_elements();
    if (channels_first) elements += in_elements() + out_elements();
    return elements;
  }
};

// A pooling window's geometry (max/average, 1-, 2- and 3-D, either data format; the
// kernels read channels_first data through strides).
struct PoolShape {
  int64_t n, h, w, c;
  int64_t kh, kw, sh, sw, pad_top, pad_left, oh, ow;
  bool channels_first;
  // TensorFlow's NaN rules, which Keras inherits: a pooling window ignores NaN (MaxPool
  // starts from the lowest float and keeps strictly larger values), while a global max is
  // a reduce_max, in which any NaN wins.
  bool nan_propagates = false;
  // The depth axis of 3-D pooling (1-D and 2-D pooling keep the defaults).
  int64_t d = 1, kd = 1, sd = 1, pad_front = 0, od = 1;
};

// A pooling window clipped to the input (padding never contributes).
struct PoolWindow {
  int64_t z0, z1, y0, y1, x0, x1;
  DAGNET_HOST_DEVICE int64_t size() const { return (z1 - z0) * (y1 - y0) * (x1 - x0); }
};
DAGNET_HOST_DEVICE inline PoolWindow pool_window(const PoolShape& s, int64_t oz, int64_t oy, int64_t ox) {
  const int64_t z = oz * s.sd - s.pad_front, y = oy * s.sh - s.pad_top, x = ox * s.sw - s.pad_left;
  return {z < 0 ? 0 : z, z + s.kd < s.d ? z + s.kd : s.d, y < 0 ? 0 : y, y + s.kh < s.h ? y + s.kh : s.h,
          x < 0 ? 0 : x, x + s.kw < s.w ? x + s.kw : s.w};
}

// The offset of element (image, channel, z, y, x) of a pooling input, and of a pooling
// output, in either data format.
DAGNET_HOST_DEVICE inline int64_t pool_input_offset(const PoolShape& s, int64_t image, int64_t ch, int64_t z, int64_t y,
                                                    int64_t x) {
  const int64_t pixel = (z * s.h + y) * s.w + x;
  return s.channels_first ? (image * s.c + ch) * s.d * s.h * s.w + pixel : (image * s.d * s.h * s.w + pixel) * s.c + ch;
}
DAGNET_HOST_DEVICE inline int64_t pool_output_offset(const PoolShape& s, int64_t image, int64_t ch, int64_t z,
                                                     int64_t y, int64_t x) {
  const int64_t pixel = (z * s.oh + y) * s.ow + x;
  return s.channels_first ? (image * s.c + ch) * s.od * s.oh * s.ow + pixel
                          : (image * s.od * s.oh * s.ow + pixel) * s.c + ch;
}

// ---- What the prepare rules hand the kernels (KernelContext::prepared<T>()).
// conv{1,2,3}d and conv{1,2,3}d_transpose (whose geometry is the convolution back from its
// output), with the fused activation. The gradient ops prepare a bare ConvGeometry.
struct ConvKernelState {
  ConvGeometry g;
  Activation act = Activation::Linear;
  double alpha = 1.0;
};

// depthwise_conv{1,2}d and their gradients: g.s has the input's channels (groups = channels),
// g.filters = channels * multiplier; `wide` is the same window over the filters (the CPU
// kernels run on the input with each channel repeated `multiplier` times).
struct DepthwiseState {
  ConvGeometry g;
  ConvShape wide{};
  Shape out_shape;
  Activation act = Activation::Linear;
  double alpha = 1.0;
  int64_t multiplier() const { return g.filters / (g.s.c > 0 ? g.s.c : 1); }
};

// max/avg pooling, global pooling and their gradients.
struct PoolState {
  PoolShape s{};
  Shape out_shape;
};

// pad: per axis, the elements before and after, and the fill value.
struct PadState {
  std::vector<int64_t> before, after;
  double value = 0.0;
};

}  // namespace dagnet
