// pad(x): constant padding (keras.ops.pad with mode 'constant'; ZeroPadding1D/2D/3D).
// attrs pads (2 per axis: before, after; >= 0), value (the fill, default 0). Backward: the
// slice of the gradient that x occupies.
#include "cpu/pad.h"
#include "ops/conv_layout.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
PadState pad_spec(const Shape& x, const Attrs& attrs, const InferContext* ctx) {
  const std::vector<int64_t> pads = attrs.get_ints("pads", {});
  bool ok = pads.size() == 2 * x.size();
  for (int64_t p : pads) ok = ok && p >= 0;
  if (!ok) {
    std::string m = cat("pads must hold 2 integers >= 0 (before, after) for each of the input's ", x.size(),
                        " axes, got ", shape_str(pads));
    if (ctx) ctx->fail(m);
    fail(ErrorKind::Value, m);
  }
  PadState s;
  for (size_t a = 0; a < x.size(); ++a) {
    s.before.push_back(pads[2 * a]);
    s.after.push_back(pads[2 * a + 1]);
  }
  s.value = attrs.get_float("value", 0.0);
  return s;
}

// Pads may come from a file: a padded size beyond int64 is a Value error, not a wrapped size.
Shape padded_shape(const Shape& x, const PadState& s, const InferContext* ctx) {
  Shape y;
  for (size_t a = 0; a < x.size(); ++a) {
    const std::string what = cat("the padded size of axis ", a);
    y.push_back(checked_add(checked_add(x[a], s.before[a], what, ctx), s.after[a], what, ctx));
  }
  return y;
}
}  // namespace

void register_pad_ops() {
  OpDef op;
  op.name = "pad";
  op.attrs = {{"pads", AttrType::IntList}, {"value", AttrType::Float}};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    return {{padded_shape(ctx.shape(0), pad_spec(ctx.shape(0), ctx.attrs(), &ctx), &ctx), ctx.dtype(0)}};
  };
  op.prepare = [](const PrepareContext& ctx) {
    return prepared_state(pad_spec(ctx.inputs[0].shape, ctx.attrs(), nullptr));
  };
  op.cpu = [](const KernelContext& ctx) {
    const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
    const PadState& s = ctx.prepared<PadState>();
    dispatch_any(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::pad_constant<T>(x.data<T>(), x.shape(), s.before, y.shape(), static_cast<T>(s.value), y.data<T>());
    });
  };
  op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const PadState s = pad_spec(gb.spec(node.inputs[0]).shape, node.attrs, nullptr);
    std::vector<int64_t> begin, end, strides, begin_mask, end_mask;
    for (size_t a = 0; a < s.before.size(); ++a) {
      begin.push_back(s.before[a]);
      end.push_back(-s.after[a]);  // from the end: the size may be known only at run time
      end_mask.push_back(s.after[a] == 0);
      strides.push_back(1);
      begin_mask.push_back(0);
    }
    return std::vector<ValueId>{gb.emit("slice", {grads[0]},
                                        attrs_of({{"begin", begin},
                                                  {"end", end},
                                                  {"strides", strides},
                                                  {"begin_mask", begin_mask},
                                                  {"end_mask", end_mask}}))};
  };
  register_op(std::move(op));
}

}  // namespace dagnet
