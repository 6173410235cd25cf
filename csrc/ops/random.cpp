// rng_draw(state) -> counter: the int64 counter the random ops of one layer read this step
// (the state's value), advancing the state; each training step then draws fresh numbers.
// random_normal(counter, like) attrs mean, stddev, seed: normal noise shaped like `like`
// (read for its shape only), from ops/counter_rng.h, so the same on every device and for
// any thread count. No gradient flows into the noise.
#include "cpu/random.h"
#include "ops/counter_rng.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void require_counter(const InferContext& ctx, size_t i, const char* what) {
  ctx.require(ctx.shape(i).empty() && ctx.dtype(i) == DType::i64, what, " must be an int64 scalar, got ",
              shape_str(ctx.shape(i)), " ", dtype_name(ctx.dtype(i)));
}
}  // namespace

void register_random_ops() {
  OpDef draw;
  draw.name = "rng_draw";
  draw.mutates = {0};
  draw.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_counter(ctx, 0, "the rng state");
    return {{{}, DType::i64}};
  };
  draw.cpu = [](const KernelContext& ctx) {
    int64_t* state = ctx.inputs[0].data<int64_t>();
    *ctx.outputs[0].data<int64_t>() = (*state)++;
  };
  register_op(std::move(draw));

  OpDef normal;
  normal.name = "random_normal";
  normal.min_inputs = normal.max_inputs = 2;
  normal.attrs = {{"mean", AttrType::Float}, {"stddev", AttrType::Float}, {"seed", AttrType::Int}};
  normal.shape_only_from = 1;
  normal.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_counter(ctx, 0, "the rng counter");
    ctx.require_float(1);
    const double stddev = ctx.attrs().get_float("stddev", 1.0);
    ctx.require(stddev >= 0, "stddev must be >= 0, got ", stddev);
    return {{ctx.shape(1), ctx.dtype(1)}};
  };
  normal.prepare = [](const PrepareContext& ctx) {
    return prepared_state(NormalParams{ctx.attrs().get_float("mean", 0.0), ctx.attrs().get_float("stddev", 1.0),
                                       ctx.attrs().get_int("seed", 0)});
  };
  normal.cpu = [](const KernelContext& ctx) {
    const NormalParams& p = ctx.prepared<NormalParams>();
    const Tensor& out = ctx.outputs[0];
    const int64_t counter = *ctx.inputs[0].data<int64_t>();
    dispatch_float(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::random_normal<T>(p, counter, out.data<T>(), out.numel());
    });
  };
  register_op(std::move(normal));
}

}  // namespace dagnet
