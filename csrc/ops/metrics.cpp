// accuracy(y_pred, y_true): attrs kind (binary|categorical|sparse_categorical|
// top_k_categorical|sparse_top_k_categorical), threshold (binary, default 0.5), k (top-k, default 5). A float scalar:
// the batch's accuracy. Sparse labels may be (...) or (..., 1), int or float. Not differentiable.
#include <vector>

#include "cpu/accuracy.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
cpu::AccuracyKind parse_kind(const std::string& kind) {
  if (kind == "binary") return cpu::AccuracyKind::Binary;
  if (kind == "categorical") return cpu::AccuracyKind::Categorical;
  if (kind == "sparse_categorical") return cpu::AccuracyKind::SparseCategorical;
  if (kind == "top_k_categorical") return cpu::AccuracyKind::TopKCategorical;
  if (kind == "sparse_top_k_categorical") return cpu::AccuracyKind::SparseTopKCategorical;
  fail(ErrorKind::Value, "unknown accuracy kind '", kind,
       "' (binary, categorical, sparse_categorical, top_k_categorical, sparse_top_k_categorical)");
}

// Labels/targets as doubles whatever their dtype, into `out` (workspace).
const double* as_doubles(const Tensor& t, double* out) {
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
      case DType::f32: out[i] = t.data<float>()[i]; break;
      case DType::f64: out[i] = t.data<double>()[i]; break;
      case DType::i32: out[i] = t.data<int32_t>()[i]; break;
      case DType::i64: out[i] = static_cast<double>(t.data<int64_t>()[i]); break;
    }
  }
  return out;
}

size_t doubles_bytes(const Shape& s) { return round_up(static_cast<size_t>(num_elements(s)) * sizeof(double), 64); }
}  // namespace

void register_metrics_ops() {
  OpDef op;
  op.name = "accuracy";
  op.min_inputs = 2;
  op.max_inputs = 3;  // optional per-row weights (y_pred.shape[:-1]): a mask (0 = left out) or sample weights
  op.attrs = {{"kind", AttrType::String}, {"threshold", AttrType::Float}, {"k", AttrType::Int}};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    auto kind = parse_kind(ctx.attrs().get_string("kind", "categorical"));
    const Shape &p = ctx.shape(0), &t = ctx.shape(1);
    ctx.require(!p.empty(), "y_pred needs at least one axis");
    if (kind == cpu::AccuracyKind::SparseCategorical || kind == cpu::AccuracyKind::SparseTopKCategorical) {
      bool ok = t.size() + 1 == p.size() || (t.size() == p.size() && dims_compatible(t.back(), 1));
      for (size_t d = 0; ok && d + 1 < p.size(); ++d) ok = dims_compatible(p[d], t[d]);
      ctx.require(ok, "sparse labels must have shape y_pred.shape[:-1] (or with a trailing 1)");
    } else {
      bool ok = t.size() == p.size();
      for (size_t d = 0; ok && d < p.size(); ++d) ok = dims_compatible(p[d], t[d]);
      ctx.require(ok, "y_true and y_pred shapes differ");
    }
    if (ctx.num_inputs() == 3) require_shape(ctx, 2, Shape(p.begin(), p.end() - 1), "the row weights");
    return {{{}, ctx.dtype(0)}};
  };
  op.workspace = [](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs&) {
    return doubles_bytes(in[1].shape) + (in.size() == 3 ? doubles_bytes(in[2].shape) : 0);
  };
  op.prepare = [](const PrepareContext& ctx) {
    const Attrs& a = ctx.attrs();
    return prepared_state(AccuracyPrepared{parse_kind(a.get_string("kind", "categorical")),
                                           a.get_float("threshold", 0.5), a.get_int("k", 5)});
  };
  op.cpu = [](const KernelContext& ctx) {
    const Tensor& p = ctx.inputs[0];
    int64_t cols = p.shape().back(), rows = product(p.shape(), 0, p.rank() - 1);
    double* scratch = static_cast<double*>(ctx.workspace);
    const double* target = as_doubles(ctx.inputs[1], scratch);
    const double* mask =
        ctx.inputs.size() == 3
            ? as_doubles(ctx.inputs[2], scratch + doubles_bytes(ctx.inputs[1].shape()) / sizeof(double))
            : nullptr;
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      *ctx.outputs[0].data<T>() =
          static_cast<T>(cpu::accuracy<T>(ctx.prepared<AccuracyPrepared>(), p.data<T>(), rows, cols, target, mask));
    });
  };
  register_op(std::move(op));
}

}  // namespace dagnet
