// random_uniform(state, like) attrs seed, shape, minval, maxval: numbers uniform in
// [minval, maxval), of like's dtype (like is read for its shape and dtype only). `shape` is
// the output's shape, an entry 0 taking like's size on that axis (so [0, 2] is two numbers
// per row of a batch of any size); without it the output is shaped like `like`. The numbers
// come from ops/counter_rng.h (seed, the int64 state parameter, the element's index), and
// every run advances the state, as dropout's does: each training step draws new numbers and
// a seeded model repeats its sequence. The state is the counter of one layer's draws.
// No gradient flows.
#include "cpu/random_uniform.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
Shape uniform_shape(const Shape& like, const Attrs& attrs, const InferContext* ctx) {
  if (!attrs.has("shape")) return like;
  Shape shape = attrs.get_ints("shape", {});
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) {
      if (i >= like.size()) {
        std::string m =
            cat("shape ", shape_str(shape), " takes axis ", i, " from `like`, which has rank ", like.size());
        if (ctx) ctx->fail(m);
        fail(ErrorKind::Value, m);
      }
      shape[i] = like[i];
    } else if (shape[i] < 0) {
      std::string m = cat("shape entries must be positive (0: like's size), got ", shape_str(shape));
      if (ctx) ctx->fail(m);
      fail(ErrorKind::Value, m);
    }
  }
  return shape;
}
}  // namespace

void register_random_uniform_ops() {
  OpDef op;
  op.name = "random_uniform";
  op.min_inputs = op.max_inputs = 2;
  op.attrs = {
      {"seed", AttrType::Int}, {"shape", AttrType::IntList}, {"minval", AttrType::Float}, {"maxval", AttrType::Float}};
  op.mutates = {0};
  op.shape_only_from = 1;
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty() && ctx.dtype(0) == DType::i64, "the rng state must be an int64 scalar, got ",
                shape_str(ctx.shape(0)), " ", dtype_name(ctx.dtype(0)));
    ctx.require_float(1);
    const double lo = ctx.attrs().get_float("minval", 0.0), hi = ctx.attrs().get_float("maxval", 1.0);
    ctx.require(lo <= hi, "minval must not exceed maxval, got [", lo, ", ", hi, ")");
    return {{uniform_shape(ctx.shape(1), ctx.attrs(), &ctx), ctx.dtype(1)}};
  };
  op.prepare = [](const PrepareContext& ctx) {
    const Attrs& a = ctx.attrs();
    return prepared_state(UniformParams{a.get_int("seed", 0), a.get_float("minval", 0.0), a.get_float("maxval", 1.0)});
  };
  op.cpu = [](const KernelContext& ctx) {
    const UniformParams& p = ctx.prepared<UniformParams>();
    int64_t* state = ctx.inputs[0].data<int64_t>();
    const Tensor& out = ctx.outputs[0];
    dispatch_float(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::random_uniform<T>(p, *state, out.data<T>(), out.numel());
    });
    ++*state;
  };
  register_op(std::move(op));
}

}  // namespace dagnet
