// The weight penalties Keras's regularizers add to the loss, one op each:
//   l1_penalty(w) attr l1: l1 * sum(|w|);  l1_penalty_grad(g, w) = l1 * g * sign(w)
//   l2_penalty(w) attr l2: l2 * sum(w^2);  l2_penalty_grad(g, w) = 2 * l2 * g * w
// (regularizers.L1L2 adds both). The sum accumulates in double.
#include <cmath>

#include "core/thread_pool.h"
#include "ops/dispatch.h"
#include "ops/penalty_math.h"
#include "ops/register_ops.h"

namespace dagnet {
namespace {

struct L1 {
  static constexpr const char* name = "l1_penalty";
  static constexpr const char* grad_name = "l1_penalty_grad";
  static constexpr const char* factor = "l1";
  static constexpr double grad_scale = 1.0;
  static double term(double w) { return l1_term(w); }
  template <typename T>
  static T slope(T w) {
    return l1_slope(w);
  }
};

struct L2 {
  static constexpr const char* name = "l2_penalty";
  static constexpr const char* grad_name = "l2_penalty_grad";
  static constexpr const char* factor = "l2";
  static constexpr double grad_scale = 2.0;
  static double term(double w) { return l2_term(w); }
  template <typename T>
  static T slope(T w) {
    return w;
  }
};

// The prepared state is the penalty's factor (attr l1 / l2; the CUDA kernels read it too).
template <typename Penalty>
std::shared_ptr<const void> prepare_factor(const PrepareContext& ctx) {
  return prepared_state(ctx.attrs().get_float(Penalty::factor, 0.01));
}

template <typename Penalty>
void register_penalty() {
  OpDef fwd;
  fwd.name = Penalty::name;
  fwd.attrs = {{Penalty::factor, AttrType::Float}};
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    return {{{}, ctx.dtype(0)}};
  };
  fwd.prepare = prepare_factor<Penalty>;
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor& w = ctx.inputs[0];
    const double factor = ctx.prepared<double>();
    dispatch_float(w.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* p = w.data<T>();
      double sum = 0;
      for (int64_t i = 0; i < w.numel(); ++i) sum += Penalty::term(static_cast<double>(p[i]));
      *ctx.outputs[0].data<T>() = static_cast<T>(factor * sum);
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit(Penalty::grad_name, {grads[0], node.inputs[0]}, node.attrs)};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = Penalty::grad_name;
  bwd.min_inputs = bwd.max_inputs = 2;
  bwd.attrs = {{Penalty::factor, AttrType::Float}};
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty(), "the upstream gradient must be a scalar");
    ctx.require_float(1);
    ctx.require_same_dtype(0, 2);
    return {{ctx.shape(1), ctx.dtype(1)}};
  };
  bwd.prepare = prepare_factor<Penalty>;
  bwd.cpu = [](const KernelContext& ctx) {
    const Tensor& w = ctx.inputs[1];
    dispatch_float(w.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T k = static_cast<T>(Penalty::grad_scale * ctx.prepared<double>()) * *ctx.inputs[0].data<T>();
      const T* p = w.data<T>();
      T* d = ctx.outputs[0].data<T>();
      parallel_for(w.numel(), 1 << 15, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) d[i] = k * Penalty::slope(p[i]);
      });
    });
  };
  register_op(std::move(bwd));
}

}  // namespace

void register_regularizer_ops() {
  register_penalty<L1>();
  register_penalty<L2>();
}

}  // namespace dagnet
