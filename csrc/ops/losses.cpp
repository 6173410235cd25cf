// Loss ops: (y_pred, y_true) -> scalar, Keras semantics (see cpu/losses.h).
// mse, binary_crossentropy, categorical_crossentropy, and <loss>_grad:
// (upstream scalar, y_pred, y_true) -> d y_pred. No gradient flows to y_true.
#include "cpu/losses.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void require_matching_pair(const InferContext& ctx, size_t pred, size_t target) {
  ctx.require_float(pred);
  check(ctx.dtype(target) == ctx.dtype(pred), ErrorKind::Type, ctx.where(), ": y_true has dtype ",
        dtype_name(ctx.dtype(target)), " but y_pred has ", dtype_name(ctx.dtype(pred)));
  const Shape &p = ctx.shape(pred), &t = ctx.shape(target);
  bool same = p.size() == t.size();
  for (size_t d = 0; same && d < p.size(); ++d) same = dims_compatible(p[d], t[d]);
  ctx.require(same, "y_pred has shape ", shape_str(p), " but y_true has shape ", shape_str(t));
  ctx.require(!p.empty(), "y_pred needs at least one axis");
}

void register_loss(const std::string& name, cpu::Loss loss) {
  OpDef fwd;
  fwd.name = name;
  fwd.min_inputs = fwd.max_inputs = 2;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_matching_pair(ctx, 0, 1);
    return {{{}, ctx.dtype(0)}};
  };
  fwd.cpu = [loss](const KernelContext& ctx) {
    const Tensor &p = ctx.inputs[0], &t = ctx.inputs[1];
    int64_t cols = p.shape().back(), rows = product(p.shape(), 0, p.rank() - 1);
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      *ctx.outputs[0].data<T>() = cpu::loss_forward<T>(loss, p.data<T>(), t.data<T>(), rows, cols);
    });
  };
  fwd.backward = [name](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit(name + "_grad", {grads[0], node.inputs[0], node.inputs[1]}), kNoValue};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = name + "_grad";
  bwd.min_inputs = bwd.max_inputs = 3;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty(), "the upstream gradient must be a scalar");
    require_matching_pair(ctx, 1, 2);
    return {{ctx.shape(1), ctx.dtype(1)}};
  };
  bwd.cpu = [loss](const KernelContext& ctx) {
    const Tensor &g = ctx.inputs[0], &p = ctx.inputs[1], &t = ctx.inputs[2];
    int64_t cols = p.shape().back(), rows = product(p.shape(), 0, p.rank() - 1);
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::loss_backward<T>(loss, *g.data<T>(), p.data<T>(), t.data<T>(), rows, cols, ctx.outputs[0].data<T>());
    });
  };
  register_op(std::move(bwd));
}
}  // namespace

void register_loss_ops() {
  register_loss("mse", cpu::Loss::MeanSquaredError);
  register_loss("binary_crossentropy", cpu::Loss::BinaryCrossentropy);
  register_loss("categorical_crossentropy", cpu::Loss::CategoricalCrossentropy);
}

}  // namespace dagnet
