// sum_leading_axes: sums every axis but the last, (..., n) -> (n,). The gradient of a
// bias that was broadcast over all leading axes.
#include "cpu/elementwise.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

void register_reduce_ops() {
  OpDef op;
  op.name = "sum_leading_axes";
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require(!ctx.shape(0).empty(), "needs an input of rank >= 1");
    return {{{ctx.shape(0).back()}, ctx.dtype(0)}};
  };
  op.cpu = [](const KernelContext& ctx) {
    const Tensor& x = ctx.inputs[0];
    int64_t cols = x.shape().back();
    int64_t rows = product(x.shape(), 0, x.rank() - 1);
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::sum_rows<T>(x.data<T>(), rows, cols, ctx.outputs[0].data<T>());
    });
  };
  register_op(std::move(op));
}

}  // namespace dagnet
