// reduce(x) attrs kind (sum mean max min prod), axes (negative allowed; empty = all),
// keepdims (0/1). reduce_grad(g, x, y) spreads the gradient back: sum/mean broadcast
// (mean divided by the count), max/min split evenly among tied extremes (TensorFlow's
// rule), prod = product of the other elements (exact with zeros too).
// sum_leading_axes(x): sums every axis but the last, (..., n) -> (n,): the gradient of a
// bias that was broadcast over all leading axes.
#include <algorithm>
#include <set>
#include <vector>

#include "cpu/convert.h"
#include "cpu/elementwise.h"
#include "cpu/reduce.h"
#include "cpu/strided.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/reduce_math.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
using cpu::ReduceKind;

ReduceKind parse_reduce(const std::string& k) {
  if (k == "sum") return ReduceKind::Sum;
  if (k == "mean") return ReduceKind::Mean;
  if (k == "max") return ReduceKind::Max;
  if (k == "min") return ReduceKind::Min;
  if (k == "prod") return ReduceKind::Prod;
  fail(ErrorKind::Value, "unknown reduction '", k, "' (sum, mean, max, min, prod)");
}

std::vector<bool> reduced_axes(const Attrs& attrs, size_t rank, const std::string& where) {
  std::vector<int64_t> axes = attrs.get_ints("axes", {});
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) {
    int n = normalize_axis(a, rank, where);
    check(!reduced[n] || axes.empty(), ErrorKind::Value, where, ": axis ", a, " is repeated");
    reduced[n] = true;
  }
  return reduced;
}

Shape reduced_shape(const Shape& x, const std::vector<bool>& reduced, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < x.size(); ++d) {
    if (!reduced[d]) out.push_back(x[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

std::shared_ptr<const void> prepare_reduce(const PrepareContext& ctx, size_t x) {
  const Shape& shape = ctx.inputs[x].shape;
  ReducePrepared p{parse_reduce(ctx.attrs().get_string("kind", "sum")), {}, true};
  const std::vector<bool> reduced = reduced_axes(ctx.attrs(), shape.size(), "reduce");
  cpu::ReduceGeometry geometry;
  p.block = cpu::collapse_reduction(shape, reduced, &geometry);
  if (ctx.device.type == DeviceType::CUDA) p.index = reduce_index(shape, reduced, "reduce");
  return prepared_state(p);
}

// Strides into the (keepdims) output for every input axis: 0 on reduced axes.
std::vector<int64_t> output_strides(const Shape& x, const std::vector<bool>& reduced) {
  Shape kept = reduced_shape(x, reduced, true);
  std::vector<int64_t> s = cpu::contiguous_strides(kept);
  for (size_t d = 0; d < x.size(); ++d)
    if (reduced[d]) s[d] = 0;
  return s;
}
}  // namespace

void register_reduce_axes_ops() {
  const std::vector<AttrSpec> attrs = {
      {"kind", AttrType::String}, {"axes", AttrType::IntList}, {"keepdims", AttrType::Int}};
  OpDef fwd;
  fwd.name = "reduce";
  fwd.attrs = attrs;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    parse_reduce(ctx.attrs().get_string("kind", "sum"));
    auto reduced = reduced_axes(ctx.attrs(), ctx.shape(0).size(), ctx.where());
    return {{reduced_shape(ctx.shape(0), reduced, ctx.attrs().get_int("keepdims", 0) != 0), ctx.dtype(0)}};
  };
  fwd.prepare = [](const PrepareContext& ctx) { return prepare_reduce(ctx, 0); };
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
    auto kind = parse_reduce(ctx.attrs().get_string("kind", "sum"));
    auto reduced = reduced_axes(ctx.attrs(), x.rank(), "reduce");
    cpu::ReduceGeometry geometry;
    const bool extreme = kind == ReduceKind::Max || kind == ReduceKind::Min;
    const bool empty_extreme = extreme && x.numel() == 0 && y.numel() > 0;
    check(!empty_extreme, ErrorKind::Value, "node '", ctx.node.name,
          "' (reduce): ", kind == ReduceKind::Max ? "max" : "min", " over an empty axis");
    const bool block = cpu::collapse_reduction(x.shape(), reduced, &geometry);
    dispatch_any(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      T* py = y.data<T>();
      if (block) return cpu::reduce_middle<T>(px, geometry, kind, py);
      std::vector<bool> seen(static_cast<size_t>(y.numel()), false);
      std::vector<double> acc(static_cast<size_t>(y.numel()), kind == ReduceKind::Prod ? 1.0 : 0.0);
      const std::vector<int64_t> strides[1] = {output_strides(x.shape(), reduced)};
      const int64_t base[1] = {0};
      cpu::for_each_index<1>(x.shape(), strides, base, [&](int64_t i, const int64_t* off) {
        double v = static_cast<double>(px[i]);
        double& a = acc[off[0]];
        switch (kind) {
          case ReduceKind::Sum:
          case ReduceKind::Mean: a += v; break;
          case ReduceKind::Prod: a *= v; break;
          case ReduceKind::Max: a = seen[off[0]] ? std::max(a, v) : v; break;
          case ReduceKind::Min: a = seen[off[0]] ? std::min(a, v) : v; break;
        }
        seen[off[0]] = true;
      });
      const double count = y.numel() ? static_cast<double>(x.numel()) / static_cast<double>(y.numel()) : 1.0;
      for (int64_t j = 0; j < y.numel(); ++j) {
        check(seen[j] || kind == ReduceKind::Sum || kind == ReduceKind::Prod || kind == ReduceKind::Mean,
              ErrorKind::Value, "node '", ctx.node.name, "' (reduce): ", kind == ReduceKind::Max ? "max" : "min",
              " over an empty axis");
        py[j] = cpu::convert<T>(kind == ReduceKind::Mean ? acc[j] / count : acc[j]);
      }
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    if (!is_floating(gb.spec(node.inputs[0]).dtype)) return std::vector<ValueId>{kNoValue};
    return std::vector<ValueId>{gb.emit("reduce_grad", {grads[0], node.inputs[0], node.outputs[0]}, node.attrs)};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "reduce_grad";
  bwd.min_inputs = bwd.max_inputs = 3;
  bwd.attrs = attrs;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 3);
    parse_reduce(ctx.attrs().get_string("kind", "sum"));
    auto reduced = reduced_axes(ctx.attrs(), ctx.shape(1).size(), ctx.where());
    const Shape y = reduced_shape(ctx.shape(1), reduced, ctx.attrs().get_int("keepdims", 0) != 0);
    require_shape(ctx, 0, y, "the output gradient");
    require_shape(ctx, 2, y, "the reduction's output");
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  bwd.prepare = [](const PrepareContext& ctx) { return prepare_reduce(ctx, 1); };
  bwd.cpu = [](const KernelContext& ctx) {
    const Tensor &g = ctx.inputs[0], &x = ctx.inputs[1], &y = ctx.inputs[2], &dx = ctx.outputs[0];
    auto kind = parse_reduce(ctx.attrs().get_string("kind", "sum"));
    auto reduced = reduced_axes(ctx.attrs(), x.rank(), "reduce");
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T *pg = g.data<T>(), *px = x.data<T>(), *py = y.data<T>();
      T* pd = dx.data<T>();
      cpu::ReduceGeometry geometry;
      if ((kind == ReduceKind::Sum || kind == ReduceKind::Mean) &&
          cpu::collapse_reduction(x.shape(), reduced, &geometry))
        return cpu::spread_middle<T>(pg, geometry, kind == ReduceKind::Mean, pd);
      const std::vector<int64_t> strides[1] = {output_strides(x.shape(), reduced)};
      const int64_t base[1] = {0};
      const double count = y.numel() ? static_cast<double>(x.numel()) / static_cast<double>(y.numel()) : 1.0;
      std::vector<double> ties(static_cast<size_t>(y.numel()), 0.0), zeros(ties.size(), 0.0), nonzero(ties.size(), 1.0);
      if (kind == ReduceKind::Max || kind == ReduceKind::Min || kind == ReduceKind::Prod)
        cpu::for_each_index<1>(x.shape(), strides, base, [&](int64_t i, const int64_t* off) {
          if (kind == ReduceKind::Prod) {
            if (px[i] == T(0)) zeros[off[0]] += 1;
            else nonzero[off[0]] *= static_cast<double>(px[i]);
          } else if (px[i] == py[off[0]]) {
            ties[off[0]] += 1;
          }
        });
      cpu::for_each_index<1>(x.shape(), strides, base, [&](int64_t i, const int64_t* off) {
        const int64_t o = off[0];
        switch (kind) {
          case ReduceKind::Sum: pd[i] = pg[o]; break;
          case ReduceKind::Mean: pd[i] = static_cast<T>(pg[o] / count); break;
          case ReduceKind::Max:
          case ReduceKind::Min: pd[i] = px[i] == py[o] ? static_cast<T>(pg[o] / ties[o]) : T(0); break;
          case ReduceKind::Prod:
            // product of the others: nonzero product when x_i is the only zero, 0 when
            // another element is zero too, y / x_i otherwise
            pd[i] = px[i] == T(0) ? (zeros[o] == 1 ? static_cast<T>(pg[o] * nonzero[o]) : T(0))
                                  : (zeros[o] > 0 ? T(0) : static_cast<T>(pg[o] * nonzero[o] / px[i]));
            break;
        }
      });
    });
  };
  register_op(std::move(bwd));

  OpDef leading;
  leading.name = "sum_leading_axes";
  leading.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require(!ctx.shape(0).empty(), "needs an input of rank >= 1");
    return {{{ctx.shape(0).back()}, ctx.dtype(0)}};
  };
  leading.cpu = [](const KernelContext& ctx) {
    const Tensor& x = ctx.inputs[0];
    int64_t cols = x.shape().back();
    int64_t rows = product(x.shape(), 0, x.rank() - 1);
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::sum_rows<T>(x.data<T>(), rows, cols, ctx.outputs[0].data<T>());
    });
  };
  register_op(std::move(leading));
}

}  // namespace dagnet
