// unary(x) attr kind: neg exp log sqrt square abs sign reciprocal log1p expm1 softplus sin
// cos floor round rsqrt erf erfc erfinv arcsin arccos arctan arcsinh arccosh arctanh. unary_grad(g, x, y) = g * f'(x)
// (zero for sign, floor, round).
#include "core/thread_pool.h"
#include "cpu/elementwise_math.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
// The prepared state is the UnaryKind (the CUDA kernels read it too).
std::shared_ptr<const void> prepare_kind(const PrepareContext& ctx) {
  return prepared_state(parse_unary(ctx.attrs().get_string("kind", "neg")));
}
}  // namespace

void register_unary_ops() {
  OpDef fwd;
  fwd.name = "unary";
  fwd.attrs = {{"kind", AttrType::String}};
  fwd.inplace_input = 0;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    cpu::parse_unary(ctx.attrs().get_string("kind", "neg"));
    return {{ctx.shape(0), ctx.dtype(0)}};
  };
  fwd.prepare = prepare_kind;
  fwd.cpu = [](const KernelContext& ctx) {
    const UnaryKind kind = ctx.prepared<UnaryKind>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* x = ctx.inputs[0].data<T>();
      T* y = ctx.outputs[0].data<T>();
      parallel_for(ctx.outputs[0].numel(), 1 << 14, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = cpu::apply_unary(kind, x[i]);
      });
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit("unary_grad", {grads[0], node.inputs[0], node.outputs[0]}, node.attrs)};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "unary_grad";
  bwd.min_inputs = bwd.max_inputs = 3;
  bwd.attrs = {{"kind", AttrType::String}};
  bwd.inplace_input = 0;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 3);
    cpu::parse_unary(ctx.attrs().get_string("kind", "neg"));
    require_shape(ctx, 0, ctx.shape(1), "the output gradient");
    require_shape(ctx, 2, ctx.shape(1), "the op's output");
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  bwd.prepare = prepare_kind;
  bwd.cpu = [](const KernelContext& ctx) {
    const UnaryKind kind = ctx.prepared<UnaryKind>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T *g = ctx.inputs[0].data<T>(), *x = ctx.inputs[1].data<T>(), *y = ctx.inputs[2].data<T>();
      T* dx = ctx.outputs[0].data<T>();
      parallel_for(ctx.outputs[0].numel(), 1 << 14, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dx[i] = g[i] * cpu::unary_derivative(kind, x[i], y[i]);
      });
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
