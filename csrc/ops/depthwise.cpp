// Depthwise convolutions, Keras semantics and weight layout:
//   depthwise_conv{1,2}d(x, kernel[, bias]): kernel (k..., cin, depth_multiplier), output
//   channel c * multiplier + j from input channel c; bias (cin * multiplier,). attrs
//   strides, dilation, padding (valid|same), data_format, activation, alpha.
// Kernels: cpu/depthwise.h (vectorised over channels, not a loop of one-channel GEMMs). A
// multiplier m > 1 runs them on the input with each channel repeated m times (scratch).
// Backward: depthwise_conv{r}d_grad_input(dy, kernel, x: shape only),
// depthwise_conv{r}d_grad_kernel(dy, x, kernel: shape only) and conv_grad_bias.
#include "cpu/depthwise.h"
#include "cpu/conv.h"
#include "cpu/conv_gemm.h"
#include "ops/conv_layout.h"
#include "ops/conv_setup.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
using DepthwisePlan = DepthwiseState;

int64_t in_elements(const DepthwisePlan& p) { return p.g.in_elements(); }
int64_t wide_in_elements(const DepthwisePlan& p) { return p.g.s.n * p.g.s.spatial() * p.g.filters; }
int64_t out_elements(const DepthwisePlan& p) { return p.g.out_elements(); }
int64_t scratch_elements(const DepthwisePlan& p) {
  int64_t e = p.g.channels_first ? in_elements(p) + out_elements(p) : 0;
  if (p.multiplier() > 1) e += wide_in_elements(p);
  return e + std::max(cpu::depthwise_grad_input_scratch(p.wide), cpu::depthwise_grad_kernel_scratch(p.wide));
}

DepthwisePlan plan_of(const Shape& x, const Shape& kernel, const Attrs& attrs, size_t rank, const InferContext* ctx) {
  DepthwisePlan p;
  ConvSetup c = conv_setup(x, kernel, attrs, rank, ctx, KernelLayout::Depthwise);
  p.g = c.g;
  p.out_shape = c.out_shape;
  p.wide = p.g.s;
  p.wide.c = p.wide.groups = p.g.filters;
  return p;
}

// x in channels-last (and widened when the multiplier is > 1), in scratch where needed.
template <typename T>
const T* wide_input(const DepthwisePlan& p, const T* x, T*& scratch) {
  const ConvShape& s = p.g.s;
  if (p.g.channels_first) {
    cpu::channels_first_to_last(x, s.n, s.c, s.spatial(), scratch);
    x = scratch;
    scratch += in_elements(p);
  }
  if (p.multiplier() > 1) {
    cpu::repeat_channels(x, s.n * s.spatial(), s.c, p.multiplier(), scratch);
    x = scratch;
    scratch += wide_in_elements(p);
  }
  return x;
}

// dy in channels-last, in scratch when channels_first.
template <typename T>
const T* output_gradient(const DepthwisePlan& p, const T* dy, T*& scratch) {
  if (!p.g.channels_first) return dy;
  cpu::channels_first_to_last(dy, p.g.s.n, p.g.filters, p.g.s.out_spatial(), scratch);
  scratch += out_elements(p);
  return scratch - out_elements(p);
}

template <typename T>
void forward(const DepthwisePlan& p, const T* x, const T* kernel, const T* bias, T* y, T* scratch) {
  const T* xw = wide_input(p, x, scratch);
  T* y_nhwc = p.g.channels_first ? scratch : y;
  const bool softmax = p.act == cpu::Activation::Softmax;
  cpu::depthwise_forward<T>(p.wide, xw, kernel, bias, p.act, p.alpha, y_nhwc);
  cpu::finish_conv_output<T>(y_nhwc, p.wide.n, p.wide.out_spatial(), p.wide.ow, p.g.filters, nullptr,
                             softmax ? p.act : cpu::Activation::Linear, p.alpha, p.g.channels_first, y);
}

template <typename T>
void grad_input(const DepthwisePlan& p, const T* dy, const T* kernel, T* dx, T* scratch) {
  const ConvShape& s = p.g.s;
  const T* g = output_gradient(p, dy, scratch);
  T* dx_nhwc = dx;
  if (p.g.channels_first) {
    dx_nhwc = scratch;
    scratch += in_elements(p);
  }
  T* dx_wide = dx_nhwc;
  if (p.multiplier() > 1) {
    dx_wide = scratch;
    scratch += wide_in_elements(p);
  }
  cpu::depthwise_grad_input<T>(p.wide, g, kernel, dx_wide, scratch);
  if (p.multiplier() > 1) cpu::sum_channel_repeats(dx_wide, s.n * s.spatial(), s.c, p.multiplier(), dx_nhwc);
  if (p.g.channels_first) cpu::channels_last_to_first(dx_nhwc, s.n, s.c, s.spatial(), dx);
}

template <typename T>
void grad_kernel(const DepthwisePlan& p, const T* dy, const T* x, T* d_kernel, T* scratch) {
  const T* g = output_gradient(p, dy, scratch);
  const T* xw = wide_input(p, x, scratch);
  cpu::depthwise_grad_kernel<T>(p.wide, g, xw, d_kernel, scratch);
}

// depthwise_conv{r}d_grad_input (dy, kernel, x: shape only) and _grad_kernel (dy, x,
// kernel: shape only), as the convolution's gradient ops.
void register_depthwise_grad(const std::string& op_name, size_t rank, bool input_grad) {
  auto plan = [rank, input_grad](const Shape& operand1, const Shape& operand2, const Attrs& attrs,
                                 const InferContext* ctx) {
    return input_grad ? plan_of(operand2, operand1, attrs, rank, ctx) : plan_of(operand1, operand2, attrs, rank, ctx);
  };
  OpDef op;
  op.name = op_name;
  op.min_inputs = op.max_inputs = 3;
  op.attrs = conv_window_attrs();
  op.shape_only_from = 2;
  op.infer = [plan](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    require_output_gradient(ctx, 0, plan(ctx.shape(1), ctx.shape(2), ctx.attrs(), &ctx).out_shape);
    return {{ctx.shape(2), ctx.dtype(0)}};
  };
  op.workspace = [plan](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return static_cast<size_t>(scratch_elements(plan(in[1].shape, in[2].shape, attrs, nullptr))) *
           dtype_size(in[0].dtype);
  };
  op.prepare = [plan](const PrepareContext& ctx) {
    return prepared_state(plan(ctx.inputs[1].shape, ctx.outputs[0].shape, ctx.attrs(), nullptr));
  };
  op.cpu = [input_grad](const KernelContext& ctx) {
    const DepthwisePlan& p = ctx.prepared<DepthwisePlan>();
    dispatch_float(ctx.outputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T *dy = ctx.inputs[0].data<T>(), *other = ctx.inputs[1].data<T>();
      T *out = ctx.outputs[0].data<T>(), *scratch = static_cast<T*>(ctx.workspace);
      if (input_grad) grad_input<T>(p, dy, other, out, scratch);
      else grad_kernel<T>(p, dy, other, out, scratch);
    });
  };
  register_op(std::move(op));
}

void register_depthwise(size_t rank) {
  const std::string name = cat("depthwise_conv", rank, "d");
  OpDef op;
  op.name = name;
  op.min_inputs = 2;
  op.max_inputs = 3;
  op.attrs = conv_window_attrs();
  op.infer = [rank](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, ctx.num_inputs());
    const DepthwisePlan p = plan_of(ctx.shape(0), ctx.shape(1), ctx.attrs(), rank, &ctx);
    if (ctx.num_inputs() == 3)
      ctx.require(ctx.shape(2).size() == 1 && dims_compatible(ctx.shape(2)[0], p.g.filters),
                  "the bias must have shape (", p.g.filters, ",) (input channels x depth multiplier), got ",
                  shape_str(ctx.shape(2)));
    cpu::parse_activation(ctx.attrs().get_string("activation", "linear"));
    return {{p.out_shape, ctx.dtype(0)}};
  };
  op.workspace = [rank](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return static_cast<size_t>(scratch_elements(plan_of(in[0].shape, in[1].shape, attrs, rank, nullptr))) *
           dtype_size(in[0].dtype);
  };
  op.prepare = [rank](const PrepareContext& ctx) {
    DepthwisePlan p = plan_of(ctx.inputs[0].shape, ctx.inputs[1].shape, ctx.attrs(), rank, nullptr);
    p.act = cpu::parse_activation(ctx.attrs().get_string("activation", "linear"));
    p.alpha = ctx.attrs().get_float("alpha", 1.0);
    return prepared_state(p);
  };
  op.cpu = [](const KernelContext& ctx) {
    const DepthwisePlan& p = ctx.prepared<DepthwisePlan>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
      forward<T>(p, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), bias, ctx.outputs[0].data<T>(),
                 static_cast<T*>(ctx.workspace));
    });
  };
  op.backward = [name](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const ValueId dz = conv_output_gradient(gb, node, grads[0]);
    Attrs window = node.attrs;
    std::vector<ValueId> result{gb.emit(name + "_grad_input", {dz, node.inputs[1], node.inputs[0]}, window),
                                gb.emit(name + "_grad_kernel", {dz, node.inputs[0], node.inputs[1]}, window)};
    if (node.inputs.size() == 3) result.push_back(conv_bias_gradient(gb, node, dz));
    return result;
  };
  register_op(std::move(op));
  register_depthwise_grad(name + "_grad_input", rank, true);
  register_depthwise_grad(name + "_grad_kernel", rank, false);
}
}  // namespace

void register_depthwise_ops() {
  register_depthwise(1);
  register_depthwise(2);
}

}  // namespace dagnet
