// constrain(param): a Keras weight constraint applied in place, after the optimizer
// update in the same training step (two writers of one value keep their build order).
// attrs kind: non_neg | max_norm | unit_norm | min_max_norm; axes (Keras's `axis`: the
// norms are taken over these axes, negative allowed, empty = all); max_value, min_value,
// rate. With n the L2 norm over `axes` and eps = 1e-7 (Keras's backend epsilon):
//   non_neg: max(w, 0);  unit_norm: w / (eps + n)
//   max_norm: w * clip(n, 0, max) / (eps + n)
//   min_max_norm: w * (rate * clip(n, min, max) + (1 - rate) * n) / (eps + n)
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/strided.h"
#include "ops/constraint_math.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
Constraint parse_constraint(const std::string& kind) {
  if (kind == "non_neg") return Constraint::NonNeg;
  if (kind == "max_norm") return Constraint::MaxNorm;
  if (kind == "unit_norm") return Constraint::UnitNorm;
  if (kind == "min_max_norm") return Constraint::MinMaxNorm;
  fail(ErrorKind::Value, "unknown constraint '", kind, "' (non_neg, max_norm, unit_norm, min_max_norm)");
}

std::vector<bool> norm_axes(const Attrs& attrs, size_t rank) {
  std::vector<int64_t> axes = attrs.get_ints("axes", {});
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) reduced[normalize_axis(a, rank, "constrain")] = true;
  return reduced;
}

template <typename T>
void apply(const ConstraintPrepared& p, const Attrs& attrs, const Shape& shape, T* w) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  if (p.kind == Constraint::NonNeg) {
    for (int64_t i = 0; i < n; ++i) w[i] = non_neg(w[i]);
    return;
  }
  const std::vector<bool> reduced = norm_axes(attrs, shape.size());
  // Sum of squares per slice, indexed like the kept axes (reduced axes have stride 0).
  std::vector<int64_t> kept_strides(shape.size(), 0);
  int64_t slices = 1;
  for (size_t d = shape.size(); d-- > 0;)
    if (!reduced[d]) {
      kept_strides[d] = slices;
      slices *= shape[d];
    }
  std::vector<double> sums(static_cast<size_t>(slices), 0.0);
  const std::vector<int64_t> strides[1] = {kept_strides};
  const int64_t base[1] = {0};
  cpu::for_each_index<1>(shape, strides, base, [&](int64_t i, const int64_t* off) {
    sums[off[0]] += static_cast<double>(w[i]) * static_cast<double>(w[i]);
  });
  for (double& s : sums) s = constraint_factor(p, std::sqrt(s));
  cpu::for_each_index<1>(shape, strides, base, [&](int64_t i, const int64_t* off) {
    w[i] = static_cast<T>(static_cast<double>(w[i]) * sums[off[0]]);
  });
}
}  // namespace

void register_constraint_ops() {
  OpDef op;
  op.name = "constrain";
  op.attrs = {{"kind", AttrType::String},
              {"axes", AttrType::IntList},
              {"max_value", AttrType::Float},
              {"min_value", AttrType::Float},
              {"rate", AttrType::Float}};
  op.mutates = {0};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    parse_constraint(ctx.attrs().get_string("kind", "non_neg"));
    for (int64_t a : ctx.attrs().get_ints("axes", {})) normalize_axis(a, ctx.shape(0).size(), ctx.where());
    return {};
  };
  op.prepare = [](const PrepareContext& ctx) {
    const Attrs& a = ctx.attrs();
    ConstraintPrepared p{parse_constraint(a.get_string("kind", "non_neg")),
                         a.get_float("max_value", 2.0),
                         a.get_float("min_value", 0.0),
                         a.get_float("rate", 1.0),
                         {}};
    if (p.kind == Constraint::MinMaxNorm) p.max_value = a.get_float("max_value", 1.0);  // Keras's defaults differ
    if (ctx.device.type == DeviceType::CUDA && p.kind != Constraint::NonNeg) {
      const Shape& shape = ctx.inputs[0].shape;
      p.index = reduce_index(shape, norm_axes(a, shape.size()), "constrain");
    }
    return prepared_state(p);
  };
  op.cpu = [](const KernelContext& ctx) {
    const Tensor& w = ctx.inputs[0];
    dispatch_float(w.dtype(), [&](auto tag) {
      using T = decltype(tag);
      apply<T>(ctx.prepared<ConstraintPrepared>(), ctx.attrs(), w.shape(), w.data<T>());
    });
  };
  register_op(std::move(op));
}

}  // namespace dagnet
