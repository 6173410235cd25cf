// slice(x): Python basic slicing per leading axis. attrs begin, end, strides (one entry
// per sliced axis; negative indices count from the end; clamped like Python),
// begin_mask / end_mask (1 = the bound was not given, the default for the step's
// direction), squeeze_axes (axes indexed by an integer, removed). Axes past the lists
// are taken whole. slice_grad(g, x) scatters g back into zeros of x's shape.
#include "cpu/strided.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"
#include "ops/strided_walk.h"

namespace dagnet {

namespace {
struct AxisSlice {
  int64_t start = 0, step = 1, count = -1;  // count -1: unknown until run time
};

struct SliceSpec {
  std::vector<AxisSlice> axes;   // one per input axis
  std::vector<bool> squeezed;
};

SliceSpec resolve(const Shape& x, const Attrs& attrs, const InferContext* ctx) {
  auto bad = [&](const std::string& m, ErrorKind kind = ErrorKind::Value) {
    if (ctx && kind == ErrorKind::Value) ctx->fail(m);
    fail(kind, ctx ? cat(ctx->where(), ": ", m) : m);
  };
  std::vector<int64_t> begin = attrs.get_ints("begin", {}), end = attrs.get_ints("end", {});
  std::vector<int64_t> strides = attrs.get_ints("strides", std::vector<int64_t>(begin.size(), 1));
  std::vector<int64_t> bmask = attrs.get_ints("begin_mask", std::vector<int64_t>(begin.size(), 0));
  std::vector<int64_t> emask = attrs.get_ints("end_mask", std::vector<int64_t>(begin.size(), 0));
  std::vector<int64_t> squeeze = attrs.get_ints("squeeze_axes", {});
  const size_t n = begin.size();
  if (end.size() != n || strides.size() != n || bmask.size() != n || emask.size() != n)
    bad("begin, end, strides, begin_mask and end_mask must have the same length");
  if (n > x.size()) bad(cat("slices ", n, " axes of a rank-", x.size(), " tensor"));
  SliceSpec s;
  s.axes.resize(x.size());
  s.squeezed.assign(x.size(), false);
  for (int64_t a : squeeze) {
    if (a < 0 || a >= static_cast<int64_t>(n)) bad(cat("squeeze axis ", a, " is not a sliced axis"));
    s.squeezed[a] = true;
  }
  for (size_t a = 0; a < x.size(); ++a) {
    const int64_t dim = x[a];
    AxisSlice& r = s.axes[a];
    if (a >= n) {
      r.count = dim;
      continue;
    }
    const int64_t step = strides[a];
    if (step == 0) bad("slice step cannot be zero");
    r.step = step;
    if (s.squeezed[a]) {
      if (dim >= 0 && (begin[a] < -dim || begin[a] >= dim))
        bad(cat("index ", begin[a], " is out of bounds for axis ", a, " with size ", dim), ErrorKind::Index);
      r.start = dim >= 0 && begin[a] < 0 ? begin[a] + dim : begin[a];
      r.count = 1;
      continue;
    }
    if (dim < 0) continue;  // count stays unknown until the plan knows the size
    auto bound = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v += dim;
      return std::min(std::max(v, lo), hi);
    };
    int64_t start, stop;
    if (step > 0) {
      start = bmask[a] ? 0 : bound(begin[a], 0, dim);
      stop = emask[a] ? dim : bound(end[a], 0, dim);
      r.count = stop > start ? (stop - start - 1) / step + 1 : 0;  // no overflow for any step
    } else {
      start = bmask[a] ? dim - 1 : bound(begin[a], -1, dim - 1);
      stop = emask[a] ? -1 : bound(end[a], -1, dim - 1);
      r.count = start > stop ? -((start - stop - 1) / step) + 1 : 0;  // a / -step == -(a / step)
    }
    r.start = start;
  }
  return s;
}

Shape sliced_shape(const Shape& x, const SliceSpec& s) {
  Shape out;
  for (size_t a = 0; a < x.size(); ++a) {
    if (s.squeezed[a]) continue;
    out.push_back(s.axes[a].count);
  }
  return out;
}

// Strides reading the slice from x, over the slice's shape with squeezed axes kept as 1.
void slice_walk(const Shape& x, const SliceSpec& s, Shape& walk_shape, std::vector<int64_t>& read, int64_t& base) {
  std::vector<int64_t> xs = cpu::contiguous_strides(x);
  base = 0;
  walk_shape.clear();
  read.clear();
  for (size_t a = 0; a < x.size(); ++a) {
    const AxisSlice& r = s.axes[a];
    walk_shape.push_back(a < s.axes.size() && r.count >= 0 ? r.count : x[a]);
    read.push_back(walk_shape.back() > 1 ? xs[a] * r.step : 0);  // a huge step is taken once at most
    base += xs[a] * r.start;
  }
}

// The walk over the slice within a tensor of shape x (slice reads it, slice_grad writes it),
// once per plan.
std::shared_ptr<const void> prepare_walk(const Shape& x, const Attrs& attrs) {
  StridedWalk w;
  slice_walk(x, resolve(x, attrs, nullptr), w.shape, w.strides, w.base);
  return prepared_state(std::move(w));
}

const std::vector<AttrSpec> kAttrs = {{"begin", AttrType::IntList},    {"end", AttrType::IntList},
                                      {"strides", AttrType::IntList},  {"begin_mask", AttrType::IntList},
                                      {"end_mask", AttrType::IntList}, {"squeeze_axes", AttrType::IntList}};
}  // namespace

void register_slice_ops() {
  OpDef fwd;
  fwd.name = "slice";
  fwd.attrs = kAttrs;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    return {{sliced_shape(ctx.shape(0), resolve(ctx.shape(0), ctx.attrs(), &ctx)), ctx.dtype(0)}};
  };
  fwd.prepare = [](const PrepareContext& ctx) { return prepare_walk(ctx.inputs[0].shape, ctx.attrs()); };
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
    const StridedWalk& w = ctx.prepared<StridedWalk>();
    dispatch_any(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      T* py = y.data<T>();
      const std::vector<int64_t> strides[1] = {w.strides};
      const int64_t start[1] = {w.base};
      cpu::parallel_for_each_index<1>(w.shape, strides, start,
                                      [&](int64_t i, const int64_t* off) { py[i] = px[off[0]]; });
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit("slice_grad", {grads[0], node.inputs[0]}, node.attrs)};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "slice_grad";
  bwd.min_inputs = bwd.max_inputs = 2;
  bwd.attrs = kAttrs;
  bwd.shape_only_from = 1;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    require_shape(ctx, 0, sliced_shape(ctx.shape(1), resolve(ctx.shape(1), ctx.attrs(), &ctx)), "the output gradient");
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  bwd.prepare = [](const PrepareContext& ctx) { return prepare_walk(ctx.outputs[0].shape, ctx.attrs()); };
  bwd.cpu = [](const KernelContext& ctx) {
    const Tensor &g = ctx.inputs[0], &dx = ctx.outputs[0];
    const StridedWalk& w = ctx.prepared<StridedWalk>();
    dispatch_float(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* pg = g.data<T>();
      T* pd = dx.data<T>();
      std::fill(pd, pd + dx.numel(), T(0));
      const std::vector<int64_t> strides[1] = {w.strides};
      const int64_t start[1] = {w.base};
      cpu::for_each_index<1>(w.shape, strides, start, [&](int64_t i, const int64_t* off) { pd[off[0]] += pg[i]; });
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
