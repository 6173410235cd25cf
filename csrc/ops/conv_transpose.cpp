// Transposed convolutions, Keras semantics and weight layout:
//   conv{1,2,3}d_transpose(x, kernel[, bias]): kernel (k..., filters, cin). attrs strides,
//   dilation, padding (valid|same), output_padding (empty: Keras's None), data_format,
//   activation, alpha. Output size per axis as Keras (ops/conv_setup.h).
// It is the input gradient of the convolution from its output back to its input, so the
// forward runs conv_grad_input's kernels (cpu/conv_gemm.h), and the backward is that
// convolution's forward and kernel gradient:
//   d x = conv{r}d(dz, kernel);  d kernel = conv{r}d_grad_kernel(dy = x, x = dz)
#include "cpu/activation.h"
#include "cpu/conv_gemm.h"
#include "ops/conv_layout.h"
#include "ops/conv_setup.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void register_conv_transpose(size_t rank) {
  const std::string conv = cat("conv", rank, "d");
  OpDef op;
  op.name = conv + "_transpose";
  op.min_inputs = 2;
  op.max_inputs = 3;
  op.attrs = conv_window_attrs();
  op.attrs.push_back({"output_padding", AttrType::IntList});
  op.infer = [rank](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, ctx.num_inputs());
    ConvSetup c = conv_transpose_setup(ctx.shape(0), ctx.shape(1), ctx.attrs(), rank, &ctx);
    const int64_t filters = ctx.shape(1)[rank];
    if (ctx.num_inputs() == 3)
      ctx.require(ctx.shape(2).size() == 1 && dims_compatible(ctx.shape(2)[0], filters), "the bias must have shape (",
                  filters, ",), got ", shape_str(ctx.shape(2)));
    cpu::parse_activation(ctx.attrs().get_string("activation", "linear"));
    return {{c.out_shape, ctx.dtype(0)}};
  };
  op.workspace = [rank](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    const ConvGeometry g = conv_transpose_setup(in[0].shape, in[1].shape, attrs, rank, nullptr).g;
    return static_cast<size_t>(g.scratch_elements()) * dtype_size(in[0].dtype);
  };
  op.cpu_workspace = [rank](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    const ConvGeometry g = conv_transpose_setup(in[0].shape, in[1].shape, attrs, rank, nullptr).g;
    return static_cast<size_t>(cpu::conv_cpu_scratch_elements(g, cpu::ConvPass::GradInput, in[0].dtype == DType::f32)) *
           dtype_size(in[0].dtype);
  };
  op.prepare = [rank](const PrepareContext& ctx) {
    return prepared_state(ConvKernelState{
        conv_transpose_setup(ctx.inputs[0].shape, ctx.inputs[1].shape, ctx.attrs(), rank, nullptr).g,
        cpu::parse_activation(ctx.attrs().get_string("activation", "linear")), ctx.attrs().get_float("alpha", 1.0)});
  };
  op.cpu = [](const KernelContext& ctx) {
    const ConvKernelState& p = ctx.prepared<ConvKernelState>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
      cpu::conv_transpose<T>(p.g, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), bias, p.act, p.alpha,
                             ctx.outputs[0].data<T>(), static_cast<T*>(ctx.workspace));
    });
  };
  op.backward = [conv](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const ValueId dz = conv_output_gradient(gb, node, grads[0]);
    Attrs window;  // the convolution from the output back to the input
    for (const char* key : {"strides", "dilation", "padding", "data_format"})
      if (node.attrs.has(key)) window.set(key, node.attrs.values().at(key));
    std::vector<ValueId> result{gb.emit(conv, {dz, node.inputs[1]}, window),
                                gb.emit(conv + "_grad_kernel", {node.inputs[0], dz, node.inputs[1]}, window)};
    if (node.inputs.size() == 3) result.push_back(conv_bias_gradient(gb, node, dz));
    return result;
  };
  register_op(std::move(op));
}
}  // namespace

void register_conv_transpose_ops() {
  for (size_t rank = 1; rank <= 3; ++rank) register_conv_transpose(rank);
}

}  // namespace dagnet
