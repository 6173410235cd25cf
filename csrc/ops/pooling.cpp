// Pooling, Keras semantics:
//   max_pool{1,2,3}d / avg_pool{1,2,3}d (x): attrs pool_size, strides
//   (default pool_size), padding (valid|same), data_format; backward ops
//   <op>_grad(dy, x) (max routes to the first maximum; avg spreads over real elements).
//   global_max_pool / global_avg_pool (x): rank 3 (1-D), 4 (2-D) or 5 (3-D) -> (batch, channels);
//   backward global_*_pool_grad(dy, x).
// Global pooling is a window covering the whole input, so it shares the kernels.
#include "cpu/pooling.h"
#include "ops/conv_layout.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"
#include "ops/window_geometry.h"

namespace dagnet {

namespace {
using PoolSetup = PoolState;

// The pooling geometry of rank-many window axes (the last of depth, height, width).
PoolShape pool_shape(const SpatialLayout& l, const std::vector<WindowAxis>& axes) {
  const ConvShape w = window_shape(l.batch, l.channels, axes);
  PoolShape p{w.n, w.h, w.w, w.c, w.kh, w.kw, w.sh, w.sw, w.pad_top, w.pad_left, w.oh, w.ow, l.channels_first};
  p.d = w.d;
  p.kd = w.kd;
  p.sd = w.sd;
  p.pad_front = w.pad_front;
  p.od = w.od;
  return p;
}

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
  std::vector<WindowAxis> axes;
  std::vector<int64_t> out;
  for (size_t a = 0; a < rank; ++a) {
    WindowAxis axis{l.spatial[a], pool[a], strides[a], 1, {}};
    axis.window = axis_window(l.spatial[a], pool[a], strides[a], 1, padding, ctx, spatial_axis_name(rank, a));
    axes.push_back(axis);
    out.push_back(axis.window.out);
  }
  PoolSetup p;
  p.out_shape = make_shape(l.batch, out, l.channels, l.channels_first);
  p.s = pool_shape(l, axes);
  return p;
}

// Global pooling: one window over all spatial positions.
PoolSetup global_setup(const Shape& x, const Attrs& attrs, const InferContext* ctx) {
  if (x.size() < 3 || x.size() > 5) {
    std::string m =
        cat("expects an input of rank 3 (batch, steps, channels), 4 (batch, height, width, channels) or 5 "
            "(batch, depth, height, width, channels), got rank ",
            x.size());
    if (ctx) ctx->fail(m);
    fail(ErrorKind::Value, m);
  }
  const size_t rank = x.size() - 2;
  SpatialLayout l = read_layout(x, rank, attrs.get_string("data_format", "channels_last"), ctx);
  PoolSetup p;
  p.out_shape = {l.batch, l.channels};
  std::vector<WindowAxis> axes;
  for (int64_t size : l.spatial) {
    if (size == 0) {
      std::string m = "cannot pool over an empty input";
      if (ctx) ctx->fail(m);
      fail(ErrorKind::Value, m);
    }
    axes.push_back(WindowAxis{size, size, 1, 1, {1, 0}});
  }
  p.s = pool_shape(l, axes);
  p.s.nan_propagates = true;  // a global max is TensorFlow's reduce_max
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
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    require_shape(ctx, 0, setup(ctx.shape(1), ctx.attrs(), &ctx).out_shape, "the output gradient");
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
  SetupFn three = [](const Shape& x, const Attrs& a, const InferContext* c) { return pool_setup(x, a, 3, c); };
  register_pool("max_pool1d", true, one, window_attrs);
  register_pool("avg_pool1d", false, one, window_attrs);
  register_pool("max_pool2d", true, two, window_attrs);
  register_pool("avg_pool2d", false, two, window_attrs);
  register_pool("max_pool3d", true, three, window_attrs);
  register_pool("avg_pool3d", false, three, window_attrs);
  register_pool("global_max_pool", true, global_setup, global_attrs);
  register_pool("global_avg_pool", false, global_setup, global_attrs);
}

}  // namespace dagnet
