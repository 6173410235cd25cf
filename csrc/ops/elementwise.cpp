// fill_like: a tensor shaped like its input, filled with `value` (gradient seeds, zeros).
// scale: x * factor (loss weights).
// assign(target, value): copies value into target in place (optimizer state written back
// inside a step; ordered after every other reader of target).
#include <cstring>

#include "cpu/convert.h"
#include "cpu/elementwise.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

void register_elementwise_ops() {
  OpDef fill;
  fill.name = "fill_like";
  fill.attrs = {{"value", AttrType::Float}};
  fill.shape_only_from = 0;
  fill.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> { return {{ctx.shape(0), ctx.dtype(0)}}; };
  fill.prepare = [](const PrepareContext& ctx) { return prepared_state(ctx.attrs().get_float("value", 0.0)); };
  fill.cpu = [](const KernelContext& ctx) {
    const Tensor& out = ctx.outputs[0];
    const double value = ctx.prepared<double>();
    switch (out.dtype()) {
      case DType::f32: cpu::fill<float>(out.data<float>(), static_cast<float>(value), out.numel()); break;
      case DType::f64: cpu::fill<double>(out.data<double>(), value, out.numel()); break;
      case DType::i32: cpu::fill<int32_t>(out.data<int32_t>(), cpu::convert<int32_t>(value), out.numel()); break;
      case DType::i64: cpu::fill<int64_t>(out.data<int64_t>(), cpu::convert<int64_t>(value), out.numel()); break;
    }
  };
  register_op(std::move(fill));

  OpDef scale;
  scale.name = "scale";
  scale.attrs = {{"factor", AttrType::Float}};
  scale.inplace_input = 0;
  scale.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    return {{ctx.shape(0), ctx.dtype(0)}};
  };
  scale.prepare = [](const PrepareContext& ctx) { return prepared_state(ctx.attrs().get_float("factor", 1.0)); };
  scale.cpu = [](const KernelContext& ctx) {
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::scale<T>(ctx.inputs[0].data<T>(), static_cast<T>(ctx.prepared<double>()), ctx.outputs[0].data<T>(),
                    ctx.outputs[0].numel());
    });
  };
  scale.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit("scale", {grads[0]}, node.attrs)};
  };
  register_op(std::move(scale));

  OpDef assign;
  assign.name = "assign";
  assign.min_inputs = assign.max_inputs = 2;
  assign.mutates = {0};
  assign.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(shapes_compatible(ctx.shape(0), ctx.shape(1)) && ctx.dtype(0) == ctx.dtype(1),
                "the value must have the target's shape and dtype");
    return {};
  };
  assign.cpu = [](const KernelContext& ctx) {
    const Tensor &target = ctx.inputs[0], &value = ctx.inputs[1];
    if (target.nbytes()) std::memcpy(target.raw(), value.raw(), target.nbytes());
  };
  register_op(std::move(assign));
}

}  // namespace dagnet
