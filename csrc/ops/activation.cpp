// activation: y = f(x) elementwise (softmax along `axis`, default -1).
// activation_grad: dx = dy * f'(x), computed from (dy, y).
#include "cpu/activation.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
cpu::ActivationLayout layout_for(const Shape& shape, cpu::Activation act, int64_t axis_attr) {
  if (act != cpu::Activation::Softmax || shape.empty()) return {1, num_elements(shape), 1};
  int axis = normalize_axis(axis_attr, shape.size(), "softmax");
  return {product(shape, 0, axis), shape[axis], product(shape, axis + 1, shape.size())};
}

// ActivationPrepared is in ops/activation_math.h (the CUDA kernels read it too).
// `shaped` is the input whose shape the softmax axis refers to.
std::shared_ptr<const void> prepare_activation(const PrepareContext& ctx, size_t shaped) {
  auto act = cpu::parse_activation(ctx.attrs().get_string("kind", "linear"));
  return prepared_state(ActivationPrepared{act, ctx.attrs().get_float("alpha", 1.0),
                                           layout_for(ctx.inputs[shaped].shape, act, ctx.attrs().get_int("axis", -1))});
}

void check_activation_attrs(const InferContext& ctx) {
  auto act = cpu::parse_activation(ctx.attrs().get_string("kind", "linear"));
  if (act == cpu::Activation::Softmax) {
    int64_t axis = ctx.attrs().get_int("axis", -1), rank = static_cast<int64_t>(ctx.shape(0).size());
    ctx.require(rank > 0 && axis >= -rank && axis < rank, "softmax axis ", axis, " is out of range");
  }
}
}  // namespace

void register_activation_ops() {
  const std::vector<AttrSpec> attrs = {{"kind", AttrType::String}, {"alpha", AttrType::Float}, {"axis", AttrType::Int}};

  OpDef fwd;
  fwd.name = "activation";
  fwd.attrs = attrs;
  fwd.inplace_input = 0;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    check_activation_attrs(ctx);
    return {{ctx.shape(0), ctx.dtype(0)}};
  };
  fwd.prepare = [](const PrepareContext& ctx) { return prepare_activation(ctx, 0); };
  fwd.cpu = [](const KernelContext& ctx) {
    const ActivationPrepared& p = ctx.prepared<ActivationPrepared>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::activation_forward<T>(p.act, p.alpha, p.layout, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>());
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) -> std::vector<ValueId> {
    return {gb.emit("activation_grad", {grads[0], node.outputs[0]}, node.attrs)};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "activation_grad";
  bwd.min_inputs = bwd.max_inputs = 2;
  bwd.attrs = attrs;
  bwd.inplace_input = 0;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    require_shape(ctx, 0, ctx.shape(1), "the output gradient");
    check_activation_attrs(ctx);
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  bwd.prepare = [](const PrepareContext& ctx) { return prepare_activation(ctx, 1); };
  bwd.cpu = [](const KernelContext& ctx) {
    const ActivationPrepared& p = ctx.prepared<ActivationPrepared>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::activation_backward<T>(p.act, p.alpha, p.layout, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                                  ctx.outputs[0].data<T>());
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
