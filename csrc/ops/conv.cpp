// Convolutions, Keras semantics and weight layout (see ops/conv_setup.h):
//   conv{1,2,3}d(x, kernel[, bias]): kernel (k..., cin / groups, filters). attrs strides,
//   dilation, padding (valid|same, conv1d also causal), data_format, groups, activation
//   (fused after the bias; softmax along the last axis, as Keras), alpha.
// Method (cpu/conv_gemm.h): im2col into arena scratch (in chunks of images) + GEMM, per
// channel group; a pointwise convolution is one GEMM on the input itself. Backward:
//   d kernel = im2col(x)^T @ dy;  d x = col2im(dy @ kernel^T);  d bias = sums of dy
// as conv{r}d_grad_kernel, conv{r}d_grad_input and conv_grad_bias nodes.
#include <vector>

#include "cpu/activation.h"
#include "cpu/conv.h"
#include "cpu/conv_gemm.h"
#include "cpu/elementwise.h"
#include "ops/conv_layout.h"
#include "ops/conv_setup.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
std::vector<AttrSpec> conv_attrs() {
  std::vector<AttrSpec> attrs = conv_window_attrs();
  attrs.push_back({"groups", AttrType::Int});
  return attrs;
}

size_t conv_scratch_bytes(const ConvGeometry& g, DType dtype) {
  return scratch_bytes(g.scratch_elements(), dtype, "the convolution's scratch buffer");
}

// On the CPU: only what the path the kernel takes uses (cpu/conv_gemm.h).
size_t conv_cpu_scratch_bytes(const ConvGeometry& g, cpu::ConvPass pass, DType dtype) {
  return scratch_bytes(cpu::conv_cpu_scratch_elements(g, pass, dtype == DType::f32), dtype,
                       "the convolution's scratch buffer");
}

// conv{r}d_grad_input (dy, kernel, x: shape only) -> dx and conv{r}d_grad_kernel
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
  op.attrs = conv_attrs();
  op.shape_only_from = 2;
  op.infer = [setup](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    require_output_gradient(ctx, 0, setup(ctx.shape(1), ctx.shape(2), ctx.attrs(), &ctx).out_shape);
    return {{ctx.shape(2), ctx.dtype(0)}};
  };
  op.workspace = [setup](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return conv_scratch_bytes(setup(in[1].shape, in[2].shape, attrs, nullptr).g, in[0].dtype);
  };
  op.cpu_workspace = [setup, input_grad](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&,
                                         const Attrs& attrs) {
    return conv_cpu_scratch_bytes(setup(in[1].shape, in[2].shape, attrs, nullptr).g,
                                  input_grad ? cpu::ConvPass::GradInput : cpu::ConvPass::GradKernel, in[0].dtype);
  };
  op.prepare = [setup](const PrepareContext& ctx) {
    return prepared_state(setup(ctx.inputs[1].shape, ctx.outputs[0].shape, ctx.attrs(), nullptr).g);
  };
  op.cpu = [input_grad](const KernelContext& ctx) {
    const Tensor& out = ctx.outputs[0];
    const ConvGeometry& g = ctx.prepared<ConvGeometry>();
    dispatch_float(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T *dy = ctx.inputs[0].data<T>(), *other = ctx.inputs[1].data<T>();
      T* scratch = static_cast<T*>(ctx.workspace);
      if (input_grad) cpu::conv_grad_input<T>(g, dy, other, out.data<T>(), scratch);
      else cpu::conv_grad_kernel<T>(g, dy, other, out.data<T>(), scratch);
    });
  };
  register_op(std::move(op));
}

void register_conv(size_t rank) {
  const std::string name = cat("conv", rank, "d");
  OpDef fwd;
  fwd.name = name;
  fwd.min_inputs = 2;
  fwd.max_inputs = 3;
  fwd.attrs = conv_attrs();
  fwd.infer = [rank](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, ctx.num_inputs());
    ConvSetup c = conv_setup(ctx.shape(0), ctx.shape(1), ctx.attrs(), rank, &ctx);
    if (ctx.num_inputs() == 3)
      ctx.require(ctx.shape(2).size() == 1 && dims_compatible(ctx.shape(2)[0], c.g.filters),
                  "the bias must have shape (", c.g.filters, ",), got ", shape_str(ctx.shape(2)));
    cpu::parse_activation(ctx.attrs().get_string("activation", "linear"));
    return {{c.out_shape, ctx.dtype(0)}};
  };
  fwd.workspace = [rank](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return conv_scratch_bytes(conv_setup(in[0].shape, in[1].shape, attrs, rank, nullptr).g, in[0].dtype);
  };
  fwd.cpu_workspace = [rank](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return conv_cpu_scratch_bytes(conv_setup(in[0].shape, in[1].shape, attrs, rank, nullptr).g, cpu::ConvPass::Forward,
                                  in[0].dtype);
  };
  fwd.prepare = [rank](const PrepareContext& ctx) {
    return prepared_state(ConvKernelState{
        conv_setup(ctx.inputs[0].shape, ctx.inputs[1].shape, ctx.attrs(), rank, nullptr).g,
        cpu::parse_activation(ctx.attrs().get_string("activation", "linear")), ctx.attrs().get_float("alpha", 1.0)});
  };
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor &x = ctx.inputs[0], &k = ctx.inputs[1];
    const ConvKernelState& p = ctx.prepared<ConvKernelState>();
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
      cpu::conv_forward<T>(p.g, x.data<T>(), k.data<T>(), bias, p.act, p.alpha, ctx.outputs[0].data<T>(),
                           static_cast<T*>(ctx.workspace));
    });
  };
  fwd.backward = [name](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    ValueId dz = conv_output_gradient(gb, node, grads[0]);
    std::vector<ValueId> result{gb.emit(name + "_grad_input", {dz, node.inputs[1], node.inputs[0]}, node.attrs),
                                gb.emit(name + "_grad_kernel", {dz, node.inputs[0], node.inputs[1]}, node.attrs)};
    if (node.inputs.size() == 3) result.push_back(conv_bias_gradient(gb, node, dz));
    return result;
  };
  register_op(std::move(fwd));

  register_conv_grad(name + "_grad_input", rank, true);
  register_conv_grad(name + "_grad_kernel", rank, false);
}
}  // namespace

ValueId conv_output_gradient(GradBuilder& gb, const Node& node, ValueId dy) {
  const std::string act = node.attrs.get_string("activation", "linear");
  if (cpu::parse_activation(act) == cpu::Activation::Linear) return dy;
  return gb.emit("activation_grad", {dy, node.outputs[0]},
                 attrs_of({{"kind", act}, {"alpha", node.attrs.get_float("alpha", 1.0)}}));
}

ValueId conv_bias_gradient(GradBuilder& gb, const Node& node, ValueId dz) {
  return gb.emit("conv_grad_bias", {dz},
                 attrs_of({{"data_format", node.attrs.get_string("data_format", "channels_last")}}));
}

void register_conv_ops() {
  for (size_t rank = 1; rank <= 3; ++rank) register_conv(rank);

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
        cpu::sum_channels<T>(dy.data<T>(), dy.numel() / std::max<int64_t>(c, 1), c, out);
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
