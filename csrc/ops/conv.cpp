// Convolutions, Keras semantics and weight layout:
//   conv2d(x, kernel[, bias]): kernel (kh, kw, cin, filters); conv1d(x, kernel[, bias]):
//   kernel (k, cin, filters). attrs strides, dilation (int lists), padding
//   (valid|same, conv1d also causal), data_format (channels_last|channels_first),
//   activation (fused after the bias; softmax along the last axis, as Keras), alpha.
// A 1-D convolution is a 2-D one of height 1 over the same memory.
// Method: im2col into arena scratch (in chunks of images) + GEMM; a pointwise (1x1,
// stride 1, no padding) convolution is one GEMM on the input itself. Backward:
//   d kernel = im2col(x)^T @ dy;  d x = col2im(dy @ kernel^T);  d bias = sums of dy
// as conv{1,2}d_grad_kernel, conv{1,2}d_grad_input and conv_grad_bias nodes.
#include <type_traits>
#include <vector>

#include "cpu/activation.h"
#include "cpu/conv.h"
#include "cpu/conv_indirect.h"
#include "cpu/elementwise.h"
#include "cpu/epilogue.h"
#include "cpu/gemm.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"
#include "ops/window_geometry.h"

namespace dagnet {

namespace {
constexpr int64_t kChunkElements = int64_t(1) << 22;  // im2col scratch per chunk (16 MiB of float32)
// The indirect kernel's depth per window is the channel count; below this, each call is
// mostly overhead and im2col (depth kh*kw*c per row) + GEMM is faster.
constexpr int64_t kIndirectMinChannels = 16;

struct ConvSetup {
  cpu::ConvShape s{};
  int64_t filters = 0;
  bool channels_first = false;
  Shape out_shape;
  int64_t images_per_chunk() const {
    int64_t per_image = std::max<int64_t>(1, s.oh * s.ow * s.k());
    return std::max<int64_t>(1, std::min<int64_t>(s.n, kChunkElements / per_image));
  }
};

ConvSetup conv_setup(const Shape& x, const Shape& kernel, const Attrs& attrs, size_t rank, const InferContext* ctx) {
  ConvSetup c;
  SpatialLayout l = read_layout(x, rank, attrs.get_string("data_format", "channels_last"), ctx);
  auto bad = [&](const std::string& m) {
    if (ctx) ctx->fail(m);
    fail(ErrorKind::Value, m);
  };
  if (kernel.size() != rank + 2) bad(cat("the kernel must have rank ", rank + 2, ", got ", shape_str(kernel)));
  if (!dims_compatible(kernel[rank], l.channels))
    bad(cat("the input has ", l.channels, " channels but the kernel expects ", kernel[rank]));
  std::vector<int64_t> strides = window_ints(attrs, "strides", rank, ctx);
  std::vector<int64_t> dilation = window_ints(attrs, "dilation", rank, ctx);
  std::string padding = attrs.get_string("padding", "valid");
  if (padding != "valid" && padding != "same" && !(padding == "causal" && rank == 1))
    bad(cat("padding must be 'valid' or 'same'", rank == 1 ? " or 'causal'" : "", ", got '", padding, "'"));
  std::vector<int64_t> out_spatial;
  std::vector<AxisWindow> w;
  const char* names[2] = {rank == 2 ? "height" : "length", "width"};
  for (size_t a = 0; a < rank; ++a) {
    w.push_back(axis_window(l.spatial[a], kernel[a], strides[a], dilation[a], padding, ctx, names[a]));
    out_spatial.push_back(w.back().out);
  }
  c.channels_first = l.channels_first;
  c.filters = kernel[rank + 1];
  c.out_shape = make_shape(l.batch, out_spatial, c.filters, l.channels_first);
  size_t a = rank == 2 ? 1 : 0;  // the width axis
  c.s = cpu::ConvShape{l.batch,
                       rank == 2 ? l.spatial[0] : 1,
                       l.spatial[a],
                       l.channels,
                       rank == 2 ? kernel[0] : 1,
                       kernel[a],
                       rank == 2 ? strides[0] : 1,
                       strides[a],
                       rank == 2 ? dilation[0] : 1,
                       dilation[a],
                       rank == 2 ? w[0].pad_before : 0,
                       w[a].pad_before,
                       rank == 2 ? w[0].out : 1,
                       w[a].out};
  return c;
}

// Bytes of scratch: NHWC copies of channels_first operands plus one chunk of columns.
size_t conv_scratch_elements(const ConvSetup& c, int64_t extra_nhwc) {
  size_t elements = c.s.is_pointwise() ? 0 : static_cast<size_t>(c.images_per_chunk() * c.s.oh * c.s.ow * c.s.k());
  if (c.channels_first) elements += static_cast<size_t>(extra_nhwc);
  return elements;
}

int64_t in_elements(const cpu::ConvShape& s) { return s.n * s.h * s.w * s.c; }
int64_t out_elements(const ConvSetup& c) { return c.s.n * c.s.oh * c.s.ow * c.filters; }

template <typename T>
void conv_forward(const ConvSetup& c, const T* x, const T* kernel, const T* bias, cpu::Activation act, double alpha,
                  T* y, T* scratch) {
  const cpu::ConvShape& s = c.s;
  const T* x_nhwc = x;
  T* y_nhwc = y;
  if (c.channels_first) {
    T* xt = scratch;
    cpu::channels_first_to_last(x, s.n, s.c, s.h * s.w, xt);
    x_nhwc = xt;
    y_nhwc = scratch + in_elements(s);
    scratch = y_nhwc + out_elements(c);
  }
  const int64_t chunk = c.images_per_chunk(), per_image = s.oh * s.ow, K = s.k();
  const bool softmax = act == cpu::Activation::Softmax;
  // float32 applies bias and elementwise activations inside the GEMM, tile by tile.
  constexpr bool fused = std::is_same_v<T, float>;
  const bool indirect = fused && !s.is_pointwise() && s.c >= kIndirectMinChannels;
  if constexpr (fused) {
    if (indirect) {
      // Indirect GEMM: the micro-kernel reads input pixels in place (no im2col buffer).
      cpu::GemmEpilogue epilogue{bias, softmax ? cpu::Activation::Linear : act, alpha};
      cpu::conv2d_indirect(x_nhwc, s, kernel, c.filters, epilogue, y_nhwc);
    }
  }
  for (int64_t first = 0; first < s.n && !indirect; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    const T* a = x_nhwc + first * s.h * s.w * s.c;
    if (!s.is_pointwise()) {
      cpu::im2col(x_nhwc, s, first, last, scratch);
      a = scratch;
    }
    T* out = y_nhwc + first * per_image * c.filters;
    const int64_t rows = (last - first) * per_image;
    if constexpr (fused) {
      cpu::GemmEpilogue epilogue{bias, softmax ? cpu::Activation::Linear : act, alpha};
      cpu::gemm_epilogue(false, false, rows, c.filters, K, a, K, kernel, c.filters, out, c.filters, false, epilogue);
    } else {
      cpu::gemm<T>(false, false, rows, c.filters, K, a, K, kernel, c.filters, out, c.filters, false);
    }
  }
  const bool softmax_after = c.channels_first && softmax;
  if (!fused || (softmax && !softmax_after))
    cpu::bias_activation_rows<T>(y_nhwc, s.n * per_image, c.filters, fused ? nullptr : bias,
                                 softmax_after ? cpu::Activation::Linear : act, alpha);
  if (c.channels_first) {
    cpu::channels_last_to_first(y_nhwc, s.n, c.filters, per_image, y);
    if (softmax_after)  // Keras's softmax takes the last axis, which is width here
      cpu::activation_forward<T>(act, alpha, cpu::ActivationLayout{s.n * c.filters * s.oh, s.ow, 1}, y, y);
  }
}

// With stride 1, d x is the convolution of dy with the kernel flipped in space and with
// its channel axes swapped (a "full" correlation): padding (k-1)*d - pad at the start.
// That runs on the indirect convolution kernel, with no col2im scatter.
bool grad_input_as_convolution(const ConvSetup& c, const float* dy_nhwc, const float* kernel, float* dx_nhwc) {
  const cpu::ConvShape& s = c.s;
  if (s.sh != 1 || s.sw != 1 || s.is_pointwise()) return false;
  // It computes h*w positions with the input's channels as its filters: worth it when
  // those fill the kernel's register width and the output is not much smaller than the
  // input (with 'valid' on small images the zero padding would be most of the work).
  if (s.c < kIndirectMinChannels || s.oh * s.ow * 4 < s.h * s.w * 3) return false;
  std::vector<float> flipped(static_cast<size_t>(s.kh * s.kw * c.filters * s.c));
  for (int64_t ky = 0; ky < s.kh; ++ky)
    for (int64_t kx = 0; kx < s.kw; ++kx)
      for (int64_t ci = 0; ci < s.c; ++ci)
        for (int64_t f = 0; f < c.filters; ++f)
          flipped[(((s.kh - 1 - ky) * s.kw + (s.kw - 1 - kx)) * c.filters + f) * s.c + ci] =
              kernel[((ky * s.kw + kx) * s.c + ci) * c.filters + f];
  cpu::ConvShape t{s.n,
                   s.oh,
                   s.ow,
                   c.filters,
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
  cpu::conv2d_indirect(dy_nhwc, t, flipped.data(), s.c, cpu::GemmEpilogue{}, dx_nhwc);
  return true;
}

template <typename T>
void conv_grad_input(const ConvSetup& c, const T* dy, const T* kernel, T* dx, T* scratch) {
  const cpu::ConvShape& s = c.s;
  const T* dy_nhwc = dy;
  T* dx_nhwc = dx;
  if (c.channels_first) {
    T* t = scratch;
    cpu::channels_first_to_last(dy, s.n, c.filters, s.oh * s.ow, t);
    dy_nhwc = t;
    dx_nhwc = scratch + out_elements(c);
    scratch = dx_nhwc + in_elements(s);
  }
  const int64_t chunk = c.images_per_chunk(), per_image = s.oh * s.ow, K = s.k();
  bool as_convolution = false;
  if constexpr (std::is_same_v<T, float>) as_convolution = grad_input_as_convolution(c, dy_nhwc, kernel, dx_nhwc);
  if (as_convolution) {
    // done by the indirect convolution kernel
  } else if (s.is_pointwise()) {
    cpu::gemm<T>(false, true, s.n * per_image, s.c, c.filters, dy_nhwc, c.filters, kernel, c.filters, dx_nhwc, s.c,
                 false);
  } else {
    cpu::fill<T>(dx_nhwc, T(0), in_elements(s));
    for (int64_t first = 0; first < s.n; first += chunk) {
      const int64_t last = std::min(s.n, first + chunk);
      cpu::gemm<T>(false, true, (last - first) * per_image, K, c.filters, dy_nhwc + first * per_image * c.filters,
                   c.filters, kernel, c.filters, scratch, K, false);
      cpu::col2im_add(scratch, s, first, last, dx_nhwc);
    }
  }
  if (c.channels_first) cpu::channels_last_to_first(dx_nhwc, s.n, s.c, s.h * s.w, dx);
}

template <typename T>
void conv_grad_kernel(const ConvSetup& c, const T* dy, const T* x, T* dkernel, T* scratch) {
  const cpu::ConvShape& s = c.s;
  const T *dy_nhwc = dy, *x_nhwc = x;
  if (c.channels_first) {
    T* t = scratch;
    cpu::channels_first_to_last(dy, s.n, c.filters, s.oh * s.ow, t);
    dy_nhwc = t;
    T* u = scratch + out_elements(c);
    cpu::channels_first_to_last(x, s.n, s.c, s.h * s.w, u);
    x_nhwc = u;
    scratch = u + in_elements(s);
  }
  const int64_t chunk = c.images_per_chunk(), per_image = s.oh * s.ow, K = s.k();
  if (s.n == 0) cpu::fill<T>(dkernel, T(0), K * c.filters);
  if constexpr (std::is_same_v<T, float>) {
    if (s.n > 0 && !s.is_pointwise() && cpu::conv2d_kernel_gradient_indirect(x_nhwc, s, dy_nhwc, c.filters, dkernel))
      return;
  }
  for (int64_t first = 0; first < s.n; first += chunk) {
    const int64_t last = std::min(s.n, first + chunk);
    const T* a = x_nhwc + first * s.h * s.w * s.c;
    if (!s.is_pointwise()) {
      cpu::im2col(x_nhwc, s, first, last, scratch);
      a = scratch;
    }
    cpu::gemm<T>(true, false, K, c.filters, (last - first) * per_image, a, K, dy_nhwc + first * per_image * c.filters,
                 c.filters, dkernel, c.filters, first > 0);
  }
}

struct ConvForwardPrepared {
  ConvSetup c;
  cpu::Activation act;
  double alpha;
};

const std::vector<AttrSpec> kConvAttrs = {{"strides", AttrType::IntList},   {"dilation", AttrType::IntList},
                                          {"padding", AttrType::String},    {"data_format", AttrType::String},
                                          {"activation", AttrType::String}, {"alpha", AttrType::Float}};

// conv{1,2}d_grad_input (dy, kernel, x: shape only) -> dx and conv{1,2}d_grad_kernel
// (dy, x, kernel: shape only) -> d kernel: the same op with the operand roles swapped. The
// shape-only operand (index 2) has the output's shape, so the kernel reads it from there.
void register_conv_grad(const std::string& op_name, size_t rank, bool input_grad) {
  auto setup = [rank, input_grad](const Shape& operand1, const Shape& operand2, const Attrs& attrs,
                                  const InferContext* ctx) {
    return input_grad ? conv_setup(operand2, operand1, attrs, rank, ctx)
                      : conv_setup(operand1, operand2, attrs, rank, ctx);
  };
  OpDef op;
  op.name = op_name;
  op.min_inputs = op.max_inputs = 3;
  op.attrs = kConvAttrs;
  op.shape_only_from = 2;
  op.infer = [setup](const InferContext& ctx) -> std::vector<TensorSpec> {
    setup(ctx.shape(1), ctx.shape(2), ctx.attrs(), &ctx);
    return {{ctx.shape(2), ctx.dtype(0)}};
  };
  op.workspace = [setup](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    ConvSetup c = setup(in[1].shape, in[2].shape, attrs, nullptr);
    return conv_scratch_elements(c, in_elements(c.s) + out_elements(c)) * dtype_size(in[0].dtype);
  };
  op.prepare = [setup](const PrepareContext& ctx) {
    return prepared_state(setup(ctx.inputs[1].shape, ctx.outputs[0].shape, ctx.attrs(), nullptr));
  };
  op.cpu = [input_grad](const KernelContext& ctx) {
    const Tensor& out = ctx.outputs[0];
    const ConvSetup& c = ctx.prepared<ConvSetup>();
    dispatch_float(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T *dy = ctx.inputs[0].data<T>(), *other = ctx.inputs[1].data<T>();
      T* scratch = static_cast<T*>(ctx.workspace);
      if (input_grad) conv_grad_input<T>(c, dy, other, out.data<T>(), scratch);
      else conv_grad_kernel<T>(c, dy, other, out.data<T>(), scratch);
    });
  };
  register_op(std::move(op));
}

void register_conv(size_t rank) {
  const std::string name = rank == 1 ? "conv1d" : "conv2d";
  OpDef fwd;
  fwd.name = name;
  fwd.min_inputs = 2;
  fwd.max_inputs = 3;
  fwd.attrs = kConvAttrs;
  fwd.infer = [rank](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, ctx.num_inputs());
    ConvSetup c = conv_setup(ctx.shape(0), ctx.shape(1), ctx.attrs(), rank, &ctx);
    if (ctx.num_inputs() == 3)
      ctx.require(ctx.shape(2).size() == 1 && dims_compatible(ctx.shape(2)[0], c.filters), "the bias must have shape (",
                  c.filters, ",)");
    cpu::parse_activation(ctx.attrs().get_string("activation", "linear"));
    return {{c.out_shape, ctx.dtype(0)}};
  };
  fwd.workspace = [rank](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    ConvSetup c = conv_setup(in[0].shape, in[1].shape, attrs, rank, nullptr);
    return conv_scratch_elements(c, in_elements(c.s) + out_elements(c)) * dtype_size(in[0].dtype);
  };
  fwd.prepare = [rank](const PrepareContext& ctx) {
    return prepared_state(ConvForwardPrepared{
        conv_setup(ctx.inputs[0].shape, ctx.inputs[1].shape, ctx.attrs(), rank, nullptr),
        cpu::parse_activation(ctx.attrs().get_string("activation", "linear")), ctx.attrs().get_float("alpha", 1.0)});
  };
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor &x = ctx.inputs[0], &k = ctx.inputs[1];
    const ConvForwardPrepared& p = ctx.prepared<ConvForwardPrepared>();
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
      conv_forward<T>(p.c, x.data<T>(), k.data<T>(), bias, p.act, p.alpha, ctx.outputs[0].data<T>(),
                      static_cast<T*>(ctx.workspace));
    });
  };
  fwd.backward = [name](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    ValueId dz = grads[0];
    std::string act = node.attrs.get_string("activation", "linear");
    if (cpu::parse_activation(act) != cpu::Activation::Linear)
      dz = gb.emit("activation_grad", {dz, node.outputs[0]},
                   attrs_of({{"kind", act}, {"alpha", node.attrs.get_float("alpha", 1.0)}}));
    std::vector<ValueId> result{gb.emit(name + "_grad_input", {dz, node.inputs[1], node.inputs[0]}, node.attrs),
                                gb.emit(name + "_grad_kernel", {dz, node.inputs[0], node.inputs[1]}, node.attrs)};
    if (node.inputs.size() == 3)
      result.push_back(gb.emit("conv_grad_bias", {dz},
                               attrs_of({{"data_format", node.attrs.get_string("data_format", "channels_last")}})));
    return result;
  };
  register_op(std::move(fwd));

  register_conv_grad(name + "_grad_input", rank, true);
  register_conv_grad(name + "_grad_kernel", rank, false);
}
}  // namespace

void register_conv_ops() {
  register_conv(1);
  register_conv(2);

  OpDef bias;  // sums of dy over every axis but the channel axis
  bias.name = "conv_grad_bias";
  bias.attrs = {{"data_format", AttrType::String}};
  bias.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    const Shape& s = ctx.shape(0);
    ctx.require(s.size() >= 2, "needs an input of rank >= 2");
    bool first = ctx.attrs().get_string("data_format", "channels_last") == "channels_first";
    return {{{first ? s[1] : s.back()}, ctx.dtype(0)}};
  };
  bias.prepare = [](const PrepareContext& ctx) {
    return prepared_state(ctx.attrs().get_string("data_format", "channels_last") == "channels_first");
  };
  bias.cpu = [](const KernelContext& ctx) {
    const Tensor& dy = ctx.inputs[0];
    const bool first = ctx.prepared<bool>();
    dispatch_float(dy.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* out = ctx.outputs[0].data<T>();
      if (!first) {
        int64_t c = dy.shape().back();
        cpu::sum_rows<T>(dy.data<T>(), dy.numel() / std::max<int64_t>(c, 1), c, out);
        return;
      }
      int64_t n = dy.dim(0), c = dy.dim(1), inner = product(dy.shape(), 2, dy.rank());
      for (int64_t ch = 0; ch < c; ++ch) {
        T sum = 0;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t p = 0; p < inner; ++p) sum += dy.data<T>()[(i * c + ch) * inner + p];
        out[ch] = sum;
      }
    });
  };
  register_op(std::move(bias));
}

}  // namespace dagnet
