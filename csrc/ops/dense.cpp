// dense: y = activation(x @ kernel + bias) over the last axis of x, Keras's Dense.
// Inputs: x (batch, ..., in), kernel (in, units), optional bias (units,).
// Attributes: activation (linear|relu|elu|sigmoid|tanh|softmax), alpha (ELU).
#include "cpu/activation.h"
#include "cpu/epilogue.h"
#include "cpu/gemm.h"
#include "ops/dense_layout.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
std::vector<TensorSpec> infer_dense(const InferContext& ctx) {
  ctx.require_float(0);
  ctx.require_same_dtype(0, ctx.num_inputs());
  const Shape& x = ctx.shape(0);
  const Shape& w = ctx.shape(1);
  // A batch axis too: the backward rule's matmuls need rank >= 2 (Keras's Dense never sees less).
  ctx.require(x.size() >= 2, "the input needs rank >= 2 (batch, ..., features)");
  ctx.require(w.size() == 2, "the kernel must be 2-D (in, units)");
  ctx.require(dims_compatible(x.back(), w[0]), "the input's last axis (", x.back(), ") does not match the kernel's ",
              w[0], " input units");
  if (ctx.num_inputs() == 3) {
    const Shape& b = ctx.shape(2);
    ctx.require(b.size() == 1 && dims_compatible(b[0], w[1]), "the bias must have shape (", w[1], ",)");
  }
  cpu::parse_activation(ctx.attrs().get_string("activation", "linear"));
  Shape out(x.begin(), x.end() - 1);
  out.push_back(w[1]);
  return {{out, ctx.dtype(0)}};
}

std::shared_ptr<const void> prepare_dense(const PrepareContext& ctx) {
  const Shape &x = ctx.inputs[0].shape, &w = ctx.inputs[1].shape;
  return prepared_state(DensePrepared{parse_activation(ctx.attrs().get_string("activation", "linear")),
                                      ctx.attrs().get_float("alpha", 1.0), product(x, 0, x.size() - 1), w[1], w[0]});
}

void dense_cpu(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &w = ctx.inputs[1];
  const Tensor& y = ctx.outputs[0];
  const DensePrepared& p = ctx.prepared<DensePrepared>();
  const int64_t K = p.K, N = p.N, M = p.M;
  const Activation act = p.act;
  const double alpha = p.alpha;
  if (x.dtype() == DType::f32) {
    // Bias and activation run on each tile of the GEMM as it finishes (softmax needs
    // whole rows, so it follows in a row pass).
    const float* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<float>() : nullptr;
    const bool softmax = act == cpu::Activation::Softmax;
    cpu::GemmEpilogue epilogue{bias, softmax ? cpu::Activation::Linear : act, alpha};
    cpu::gemm_epilogue(false, false, M, N, K, x.data<float>(), K, w.data<float>(), N, y.data<float>(), N, false,
                       epilogue);
    if (softmax) cpu::bias_activation_rows<float>(y.data<float>(), M, N, nullptr, act, alpha);
    return;
  }
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = y.data<T>();
    cpu::gemm<T>(false, false, M, N, K, x.data<T>(), K, w.data<T>(), N, out, N, false);
    const T* bias = ctx.inputs.size() == 3 ? ctx.inputs[2].data<T>() : nullptr;
    cpu::bias_activation_rows<T>(out, M, N, bias, act, alpha);
  });
}

std::vector<ValueId> dense_backward(GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
  ValueId x = node.inputs[0], w = node.inputs[1], y = node.outputs[0];
  ValueId dz = grads[0];
  std::string act = node.attrs.get_string("activation", "linear");
  if (cpu::parse_activation(act) != cpu::Activation::Linear) {
    Attrs a;
    a.set("kind", act);
    a.set("alpha", node.attrs.get_float("alpha", 1.0));
    dz = gb.emit("activation_grad", {dz, y}, a);
  }
  ValueId dx = gb.emit("matmul", {dz, w}, attrs_of({{"transpose_b", int64_t(1)}}));
  ValueId dw = gb.emit("matmul", {x, dz}, attrs_of({{"transpose_a", int64_t(1)}}));
  std::vector<ValueId> result{dx, dw};
  if (node.inputs.size() == 3) result.push_back(gb.emit("sum_leading_axes", {dz}));
  return result;
}
}  // namespace

void register_dense_ops() {
  OpDef op;
  op.name = "dense";
  op.min_inputs = 2;
  op.max_inputs = 3;
  op.attrs = {{"activation", AttrType::String}, {"alpha", AttrType::Float}};
  op.infer = infer_dense;
  op.prepare = prepare_dense;
  op.cpu = dense_cpu;
  op.backward = dense_backward;
  register_op(std::move(op));
}

}  // namespace dagnet
