// Pooling, Keras semantics:
//   max_pool2d / avg_pool2d / max_pool1d / avg_pool1d (x): attrs pool_size, strides
//   (default pool_size), padding (valid|same), data_format; backward ops
//   <op>_grad(dy, x) (max routes to the first maximum; avg spreads over real elements).
//   global_max_pool / global_avg_pool (x): rank 3 (1-D) or 4 (2-D) -> (batch, channels);
//   backward global_*_pool_grad(dy, x).
// Global pooling is a window covering the whole input, so it shares the kernels.
#include "cpu/pooling.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"
#include "ops/window_geometry.h"

namespace dagnet {

namespace {
struct PoolSetup {
  cpu::PoolShape s{};
  Shape out_shape;
};

PoolSetup pool_setup(const Shape& x, const Attrs& attrs, size_t rank, const InferContext* ctx) {
  SpatialLayout l = read_layout(x, rank, attrs.get_string("data_format", "channels_last"), ctx);
  std::vector<int64_t> pool = window_ints(attrs, "pool_size", rank, ctx, std::vector<int64_t>(rank, 2));
  std::vector<int64_t> strides = window_ints(attrs, "strides", rank, ctx, pool);
  std::string padding = attrs.get_string("padding", "valid");
  if (padding != "valid" && padding != "same") {
    std::string m = cat("padding must be 'valid' or 'same', got '", padding, "'");
    if (ctx) ctx->fail(m);
    fail(ErrorKind::Value, m);
  }
  const char* names[2] = {rank == 2 ? "height" : "length", "width"};
  std::vector<AxisWindow> w;
  std::vector<int64_t> out;
  for (size_t a = 0; a < rank; ++a) {
    w.push_back(axis_window(l.spatial[a], pool[a], strides[a], 1, padding, ctx, names[a]));
    out.push_back(w.back().out);
  }
  PoolSetup p;
  p.out_shape = make_shape(l.batch, out, l.channels, l.channels_first);
  size_t a = rank == 2 ? 1 : 0;
  p.s = cpu::PoolShape{l.batch,
                       rank == 2 ? l.spatial[0] : 1,
                       l.spatial[a],
                       l.channels,
                       rank == 2 ? pool[0] : 1,
                       pool[a],
                       rank == 2 ? strides[0] : 1,
                       strides[a],
                       rank == 2 ? w[0].pad_before : 0,
                       w[a].pad_before,
                       rank == 2 ? w[0].out : 1,
                       w[a].out,
                       l.channels_first};
  return p;
}

// Global pooling: one window over all spatial positions.
PoolSetup global_setup(const Shape& x, const Attrs& attrs, const InferContext* ctx) {
  size_t rank = x.size() == 3 ? 1 : 2;
  if (x.size() != 3 && x.size() != 4) {
    std::string m =
        cat("expects an input of rank 3 (batch, steps, channels) or 4 (batch, height, width, channels), "
            "got rank ",
            x.size());
    if (ctx) ctx->fail(m);
    fail(ErrorKind::Value, m);
  }
  SpatialLayout l = read_layout(x, rank, attrs.get_string("data_format", "channels_last"), ctx);
  PoolSetup p;
  p.out_shape = {l.batch, l.channels};
  int64_t h = rank == 2 ? l.spatial[0] : 1, w = l.spatial[rank - 1];
  p.s = cpu::PoolShape{l.batch, h, w, l.channels, h, w, 1, 1, 0, 0, 1, 1, l.channels_first};
  p.s.nan_propagates = true;  // a global max is TensorFlow's reduce_max
  if (h == 0 || w == 0) {
    std::string m = "cannot pool over an empty input";
    if (ctx) ctx->fail(m);
    fail(ErrorKind::Value, m);
  }
  return p;
}

using SetupFn = PoolSetup (*)(const Shape&, const Attrs&, const InferContext*);

void register_pool(const std::string& name, bool is_max, SetupFn setup, const std::vector<AttrSpec>& attrs) {
  OpDef fwd;
  fwd.name = name;
  fwd.attrs = attrs;
  fwd.infer = [setup](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    return {{setup(ctx.shape(0), ctx.attrs(), &ctx).out_shape, ctx.dtype(0)}};
  };
  fwd.prepare = [setup](const PrepareContext& ctx) {
    return prepared_state(setup(ctx.inputs[0].shape, ctx.attrs(), nullptr));
  };
  fwd.cpu = [is_max](const KernelContext& ctx) {
    const PoolSetup& p = ctx.prepared<PoolSetup>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      if (is_max) cpu::max_pool<T>(p.s, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>());
      else cpu::avg_pool<T>(p.s, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>());
    });
  };
  fwd.backward = [name](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit(name + "_grad", {grads[0], node.inputs[0]}, node.attrs)};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = name + "_grad";
  bwd.min_inputs = bwd.max_inputs = 2;
  bwd.attrs = attrs;
  if (!is_max) bwd.shape_only_from = 1;  // the average's gradient needs x's shape only
  bwd.infer = [setup](const InferContext& ctx) -> std::vector<TensorSpec> {
    setup(ctx.shape(1), ctx.attrs(), &ctx);
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  bwd.prepare = [setup](const PrepareContext& ctx) {
    return prepared_state(setup(ctx.outputs[0].shape, ctx.attrs(), nullptr));
  };
  bwd.cpu = [is_max](const KernelContext& ctx) {
    const Tensor& dx = ctx.outputs[0];
    const PoolSetup& p = ctx.prepared<PoolSetup>();
    dispatch_float(dx.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if (is_max) cpu::max_pool_grad<T>(p.s, ctx.inputs[1].data<T>(), ctx.inputs[0].data<T>(), dx.data<T>());
      else cpu::avg_pool_grad<T>(p.s, ctx.inputs[0].data<T>(), dx.data<T>());
    });
  };
  register_op(std::move(bwd));
}
}  // namespace

void register_pooling_ops() {
  const std::vector<AttrSpec> window_attrs = {{"pool_size", AttrType::IntList},
                                              {"strides", AttrType::IntList},
                                              {"padding", AttrType::String},
                                              {"data_format", AttrType::String}};
  const std::vector<AttrSpec> global_attrs = {{"data_format", AttrType::String}};
  SetupFn one = [](const Shape& x, const Attrs& a, const InferContext* c) { return pool_setup(x, a, 1, c); };
  SetupFn two = [](const Shape& x, const Attrs& a, const InferContext* c) { return pool_setup(x, a, 2, c); };
  register_pool("max_pool1d", true, one, window_attrs);
  register_pool("avg_pool1d", false, one, window_attrs);
  register_pool("max_pool2d", true, two, window_attrs);
  register_pool("avg_pool2d", false, two, window_attrs);
  register_pool("global_max_pool", true, global_setup, global_attrs);
  register_pool("global_avg_pool", false, global_setup, global_attrs);
}

}  // namespace dagnet
