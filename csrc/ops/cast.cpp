// cast(x) attr dtype: converts element types; the gradient casts back between floats and
// stops at integers.
#include "cpu/convert.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

void register_cast_ops() {
  OpDef cast;
  cast.name = "cast";
  cast.attrs = {{"dtype", AttrType::String}};
  cast.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    return {{ctx.shape(0), dtype_from_name(ctx.attrs().get_string("dtype", "float32"))}};
  };
  cast.cpu = [](const KernelContext& ctx) {
    const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
    dispatch_any(x.dtype(), [&](auto in_tag) {
      using In = decltype(in_tag);
      dispatch_any(y.dtype(), [&](auto out_tag) {
        using Out = decltype(out_tag);
        const In* px = x.data<In>();
        Out* py = y.data<Out>();
        for (int64_t i = 0; i < x.numel(); ++i)
          py[i] = cpu::convert<Out>(px[i]);  // defined for NaN and out-of-range values
      });
    });
  };
  cast.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    DType in = gb.spec(node.inputs[0]).dtype, out = gb.spec(node.outputs[0]).dtype;
    if (!is_floating(in) || !is_floating(out)) return std::vector<ValueId>{kNoValue};
    return std::vector<ValueId>{gb.emit("cast", {grads[0]}, attrs_of({{"dtype", std::string(dtype_name(in))}}))};
  };
  register_op(std::move(cast));
}

}  // namespace dagnet
