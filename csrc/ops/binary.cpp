// Elementwise ops with NumPy broadcasting:
//   binary(a, b) attr kind: add subtract multiply divide maximum minimum power; arctan2 and
//     nextafter (float operands only; nextafter has no gradient); bitwise_and bitwise_or
//     bitwise_xor left_shift right_shift gcd lcm (integer operands only, so no gradient); and
//     the comparisons equal not_equal less less_equal greater greater_equal, which give 0/1
//     in the inputs' dtype and no gradient
//   where(cond, a, b): a where cond != 0 else b (cond in a's dtype)
// Backward: binary_grad / where_grad give each operand's gradient at the output's shape,
// then sum_to_shape(g, like) sums it over the axes that operand was broadcast along.
#include "core/thread_pool.h"
#include "cpu/elementwise_math.h"
#include "cpu/reduce.h"
#include "cpu/strided.h"
#include "ops/broadcast.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
constexpr int64_t kGrain = 1 << 14;

template <typename T, typename Fn>
void broadcast_apply2(const Tensor& a, const Tensor& b, const Tensor& out, Fn fn) {
  const T *pa = a.data<T>(), *pb = b.data<T>();
  T* po = out.data<T>();
  const int64_t n = out.numel();
  if (a.shape() == out.shape() && b.shape() == out.shape()) {
    parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = fn(pa[i], pb[i]);
    });
  } else if (a.shape() == out.shape() && b.numel() == 1) {
    const T bv = pb[0];
    parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = fn(pa[i], bv);
    });
  } else if (b.shape() == out.shape() && a.numel() == 1) {
    const T av = pa[0];
    parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = fn(av, pb[i]);
    });
  } else {
    const std::vector<int64_t> strides[2] = {cpu::broadcast_strides(a.shape(), out.shape()),
                                             cpu::broadcast_strides(b.shape(), out.shape())};
    const int64_t base[2] = {0, 0};
    cpu::parallel_for_each_index<2>(out.shape(), strides, base,
                                    [&](int64_t i, const int64_t* off) { po[i] = fn(pa[off[0]], pb[off[1]]); });
  }
}

// The axes of g that sum_to_shape sums: the leading ones `like` lacks and those it has as 1.
std::vector<bool> summed_axes(const Shape& g, const Shape& like) {
  std::vector<bool> summed(g.size(), true);
  const size_t lead = g.size() - like.size();
  for (size_t d = lead; d < g.size(); ++d) summed[d] = like[d - lead] == 1 && g[d] != 1;
  return summed;
}

bool on_cuda(const PrepareContext& ctx) { return ctx.device.type == DeviceType::CUDA; }

// out_shape is a copy: emitting nodes grows the graph's value table, which would leave a
// reference into it dangling (a heap-use-after-free ASan found).
std::vector<ValueId> reduce_to_operands(GradBuilder& gb, const std::vector<ValueId>& full,
                                        const std::vector<ValueId>& operands, const Shape out_shape) {
  std::vector<ValueId> result;
  for (size_t i = 0; i < operands.size(); ++i) {
    const Shape& s = gb.spec(operands[i]).shape;
    bool same = s == out_shape && is_fully_known(s);
    result.push_back(same ? full[i] : gb.emit("sum_to_shape", {full[i], operands[i]}));
  }
  return result;
}
}  // namespace

void register_binary_ops() {
  OpDef binary;
  binary.name = "binary";
  binary.min_inputs = binary.max_inputs = 2;
  binary.attrs = {{"kind", AttrType::String}};
  binary.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_same_dtype(0, 2);
    const BinaryKind kind = cpu::parse_binary(ctx.attrs().get_string("kind", "add"));
    if (kind == BinaryKind::Arctan2 || kind == BinaryKind::Nextafter) ctx.require_float(0);
    if (is_integer_only(kind))
      ctx.require(!is_floating(ctx.dtype(0)), ctx.attrs().get_string("kind", "add"),
                  " needs integer operands (int32 or int64), got ", dtype_name(ctx.dtype(0)));
    return {{broadcast_shapes({ctx.shape(0), ctx.shape(1)}, ctx), ctx.dtype(0)}};
  };
  binary.prepare = [](const PrepareContext& ctx) {
    BinaryPrepared p{parse_binary(ctx.attrs().get_string("kind", "add")), {}};
    if (on_cuda(ctx))
      p.index = broadcast_index<2>(ctx.outputs[0].shape, {ctx.inputs[0].shape, ctx.inputs[1].shape}, "binary");
    return prepared_state(p);
  };
  binary.cpu = [](const KernelContext& ctx) {
    const BinaryKind kind = ctx.prepared<BinaryPrepared>().kind;
    dispatch_any(ctx.outputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      broadcast_apply2<T>(ctx.inputs[0], ctx.inputs[1], ctx.outputs[0],
                          [kind](T a, T b) { return cpu::apply_binary(kind, a, b); });
    });
  };
  binary.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) -> std::vector<ValueId> {
    auto kind = cpu::parse_binary(node.attrs.get_string("kind", "add"));
    if (cpu::is_comparison(kind) || kind == BinaryKind::Nextafter || !is_floating(gb.spec(node.outputs[0]).dtype))
      return {kNoValue, kNoValue};
    std::vector<ValueId> full = gb.emit_multi("binary_grad", {grads[0], node.inputs[0], node.inputs[1]}, node.attrs);
    return reduce_to_operands(gb, full, node.inputs, gb.spec(node.outputs[0]).shape);
  };
  register_op(std::move(binary));

  OpDef bgrad;  // (g, a, b) -> (g * d/da, g * d/db), both at g's shape
  bgrad.name = "binary_grad";
  bgrad.min_inputs = bgrad.max_inputs = 3;
  bgrad.attrs = {{"kind", AttrType::String}};
  bgrad.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 3);
    cpu::parse_binary(ctx.attrs().get_string("kind", "add"));
    for (size_t i : {1, 2})
      ctx.require(broadcasts_to(ctx.shape(i), ctx.shape(0)), "operand ", i, " of shape ", shape_str(ctx.shape(i)),
                  " does not broadcast to the gradient's shape ", shape_str(ctx.shape(0)));
    return {{ctx.shape(0), ctx.dtype(0)}, {ctx.shape(0), ctx.dtype(0)}};
  };
  bgrad.prepare = [](const PrepareContext& ctx) {
    BinaryPrepared p{parse_binary(ctx.attrs().get_string("kind", "add")), {}};
    if (on_cuda(ctx))
      p.index = broadcast_index<2>(ctx.inputs[0].shape, {ctx.inputs[1].shape, ctx.inputs[2].shape}, "binary_grad");
    return prepared_state(p);
  };
  bgrad.cpu = [](const KernelContext& ctx) {
    const BinaryKind kind = ctx.prepared<BinaryPrepared>().kind;
    const Tensor &g = ctx.inputs[0], &a = ctx.inputs[1], &b = ctx.inputs[2];
    dispatch_float(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const std::vector<int64_t> strides[2] = {cpu::broadcast_strides(a.shape(), g.shape()),
                                               cpu::broadcast_strides(b.shape(), g.shape())};
      const int64_t base[2] = {0, 0};
      const T *pg = g.data<T>(), *pa = a.data<T>(), *pb = b.data<T>();
      T *da = ctx.outputs[0].data<T>(), *db = ctx.outputs[1].data<T>();
      cpu::parallel_for_each_index<2>(g.shape(), strides, base, [&](int64_t i, const int64_t* off) {
        T pa_d, pb_d;
        cpu::binary_partials(kind, pa[off[0]], pb[off[1]], pa_d, pb_d);
        da[i] = pg[i] * pa_d;
        db[i] = pg[i] * pb_d;
      });
    });
  };
  register_op(std::move(bgrad));

  OpDef sum;  // g summed over the axes along which `like` was broadcast to g's shape
  sum.name = "sum_to_shape";
  sum.min_inputs = sum.max_inputs = 2;
  sum.shape_only_from = 1;
  sum.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    // Only a shape the gradient's shape was broadcast from is a sum over whole axes.
    ctx.require(broadcasts_to(ctx.shape(1), ctx.shape(0)), "the target shape ", shape_str(ctx.shape(1)),
                " does not broadcast to the gradient's shape ", shape_str(ctx.shape(0)),
                ", so the gradient is not a sum over its axes");
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  sum.prepare = [](const PrepareContext& ctx) {
    ReduceIndex index;
    if (on_cuda(ctx))
      index = reduce_index(ctx.inputs[0].shape, summed_axes(ctx.inputs[0].shape, ctx.outputs[0].shape), "sum_to_shape");
    return prepared_state(index);
  };
  sum.cpu = [](const KernelContext& ctx) {
    const Tensor &g = ctx.inputs[0], &out = ctx.outputs[0];
    dispatch_float(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* po = out.data<T>();
      const T* pg = g.data<T>();
      // Usually the summed axes form one block (a bias broadcast over the batch): a reduction.
      cpu::ReduceGeometry geometry;
      if (cpu::collapse_reduction(g.shape(), summed_axes(g.shape(), out.shape()), &geometry))
        return cpu::reduce_middle<T>(pg, geometry, cpu::ReduceKind::Sum, po);
      std::fill(po, po + out.numel(), T(0));
      const std::vector<int64_t> strides[1] = {cpu::broadcast_strides(out.shape(), g.shape())};
      const int64_t base[1] = {0};
      cpu::for_each_index<1>(g.shape(), strides, base, [&](int64_t i, const int64_t* off) { po[off[0]] += pg[i]; });
    });
  };
  register_op(std::move(sum));

  OpDef where;
  where.name = "where";
  where.min_inputs = where.max_inputs = 3;
  where.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_same_dtype(0, 3);
    return {{broadcast_shapes({ctx.shape(0), ctx.shape(1), ctx.shape(2)}, ctx), ctx.dtype(1)}};
  };
  where.prepare = [](const PrepareContext& ctx) {
    WherePrepared p;
    if (on_cuda(ctx))
      p.index = broadcast_index<3>(ctx.outputs[0].shape,
                                   {ctx.inputs[0].shape, ctx.inputs[1].shape, ctx.inputs[2].shape}, "where");
    return prepared_state(p);
  };
  where.cpu = [](const KernelContext& ctx) {
    const Tensor &c = ctx.inputs[0], &a = ctx.inputs[1], &b = ctx.inputs[2], &out = ctx.outputs[0];
    dispatch_any(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const std::vector<int64_t> strides[3] = {cpu::broadcast_strides(c.shape(), out.shape()),
                                               cpu::broadcast_strides(a.shape(), out.shape()),
                                               cpu::broadcast_strides(b.shape(), out.shape())};
      const int64_t base[3] = {0, 0, 0};
      const T *pc = c.data<T>(), *pa = a.data<T>(), *pb = b.data<T>();
      T* po = out.data<T>();
      cpu::parallel_for_each_index<3>(out.shape(), strides, base, [&](int64_t i, const int64_t* off) {
        po[i] = pc[off[0]] != T(0) ? pa[off[1]] : pb[off[2]];
      });
    });
  };
  where.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) -> std::vector<ValueId> {
    if (!is_floating(gb.spec(node.outputs[0]).dtype)) return {kNoValue, kNoValue, kNoValue};
    std::vector<ValueId> full = gb.emit_multi("where_grad", {grads[0], node.inputs[0]});
    std::vector<ValueId> r =
        reduce_to_operands(gb, full, {node.inputs[1], node.inputs[2]}, gb.spec(node.outputs[0]).shape);
    return {kNoValue, r[0], r[1]};
  };
  register_op(std::move(where));

  OpDef wgrad;  // (g, cond) -> (g where cond, g where not cond), at g's shape
  wgrad.name = "where_grad";
  wgrad.min_inputs = wgrad.max_inputs = 2;
  wgrad.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    ctx.require(broadcasts_to(ctx.shape(1), ctx.shape(0)), "the condition of shape ", shape_str(ctx.shape(1)),
                " does not broadcast to the gradient's shape ", shape_str(ctx.shape(0)));
    return {{ctx.shape(0), ctx.dtype(0)}, {ctx.shape(0), ctx.dtype(0)}};
  };
  wgrad.prepare = [](const PrepareContext& ctx) {
    WhereGradPrepared p;
    if (on_cuda(ctx)) p.index = broadcast_index<1>(ctx.inputs[0].shape, {ctx.inputs[1].shape}, "where_grad");
    return prepared_state(p);
  };
  wgrad.cpu = [](const KernelContext& ctx) {
    const Tensor &g = ctx.inputs[0], &c = ctx.inputs[1];
    dispatch_float(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const std::vector<int64_t> strides[1] = {cpu::broadcast_strides(c.shape(), g.shape())};
      const int64_t base[1] = {0};
      const T *pg = g.data<T>(), *pc = c.data<T>();
      T *da = ctx.outputs[0].data<T>(), *db = ctx.outputs[1].data<T>();
      cpu::parallel_for_each_index<1>(g.shape(), strides, base, [&](int64_t i, const int64_t* off) {
        bool take_a = pc[off[0]] != T(0);
        da[i] = take_a ? pg[i] : T(0);
        db[i] = take_a ? T(0) : pg[i];
      });
    });
  };
  register_op(std::move(wgrad));
}

}  // namespace dagnet
