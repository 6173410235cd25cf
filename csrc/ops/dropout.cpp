// dropout(x, rng_state) attrs rate, seed: Keras's inverted dropout, y = x * keep / (1 - rate),
// outputs [y, keep]. keep is drawn from a counter-based hash of (seed, rng_state, index),
// so masks do not depend on the thread count; the op advances the int64 rng_state
// parameter every run, so each training step draws a fresh mask. Backward: g * keep / (1 - rate).
#include <cstdint>

#include "core/thread_pool.h"
#include "ops/counter_rng.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

void register_dropout_ops() {
  OpDef dropout;
  dropout.name = "dropout";
  dropout.min_inputs = dropout.max_inputs = 2;
  dropout.attrs = {{"rate", AttrType::Float}, {"seed", AttrType::Int}};
  dropout.mutates = {1};
  dropout.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require(ctx.shape(1).empty() && ctx.dtype(1) == DType::i64, "the rng state must be an int64 scalar");
    double rate = ctx.attrs().get_float("rate", 0.5);
    ctx.require(rate >= 0 && rate < 1, "rate must be in [0, 1), got ", rate);
    return {{ctx.shape(0), ctx.dtype(0)}, {ctx.shape(0), ctx.dtype(0)}};
  };
  dropout.prepare = [](const PrepareContext& ctx) {
    return prepared_state(DropoutParams{ctx.attrs().get_float("rate", 0.5), ctx.attrs().get_int("seed", 0)});
  };
  dropout.cpu = [](const KernelContext& ctx) {
    const Tensor& x = ctx.inputs[0];
    int64_t* state = ctx.inputs[1].data<int64_t>();
    const DropoutParams& params = ctx.prepared<DropoutParams>();
    const double rate = params.rate;
    const uint64_t stream = rng_stream(params.seed, *state);
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      T *py = ctx.outputs[0].data<T>(), *keep = ctx.outputs[1].data<T>();
      const T scale = static_cast<T>(1.0 / (1.0 - rate));
      parallel_for(x.numel(), 1 << 14, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          dropout_element(stream, static_cast<uint64_t>(i), rate, scale, px[i], py[i], keep[i]);
      });
    });
    ++*state;
  };
  dropout.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    ValueId masked = gb.emit("binary", {grads[0], node.outputs[1]}, attrs_of({{"kind", std::string("multiply")}}));
    double rate = node.attrs.get_float("rate", 0.5);
    return std::vector<ValueId>{gb.emit("scale", {masked}, attrs_of({{"factor", 1.0 / (1.0 - rate)}})), kNoValue};
  };
  register_op(std::move(dropout));
}

}  // namespace dagnet
