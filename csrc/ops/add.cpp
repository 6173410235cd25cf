// add: elementwise sum of n >= 1 tensors of one shape (Keras's Add / add).
#include "cpu/elementwise.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

void register_add_ops() {
  OpDef op;
  op.name = "add";
  op.min_inputs = 1;
  op.max_inputs = -1;
  op.inplace_input = 0;
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, ctx.num_inputs());
    Shape out = ctx.shape(0);
    for (size_t i = 1; i < ctx.num_inputs(); ++i) {
      const Shape& s = ctx.shape(i);
      bool same = s.size() == out.size();
      for (size_t d = 0; same && d < s.size(); ++d) same = dims_compatible(s[d], out[d]);
      ctx.require(same, "inputs must all have the same shape, but input ", i, " has shape ", shape_str(s),
                  " and input 0 has ", shape_str(ctx.shape(0)));
      for (size_t d = 0; d < s.size(); ++d) out[d] = merge_dim(out[d], s[d]);
    }
    return {{out, ctx.dtype(0)}};
  };
  op.cpu = [](const KernelContext& ctx) {
    dispatch_float(ctx.outputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      std::vector<const T*> ins;
      for (const Tensor& t : ctx.inputs) ins.push_back(t.data<T>());
      cpu::add_n<T>(ins, ctx.outputs[0].data<T>(), ctx.outputs[0].numel());
    });
  };
  op.backward = [](GradBuilder&, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>(node.inputs.size(), grads[0]);
  };
  register_op(std::move(op));
}

}  // namespace dagnet
