// Loss ops: (y_pred, y_true) -> scalar batch mean, Keras semantics (see cpu/losses.h):
// mse, mae, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
// huber (attr delta), log_cosh, hinge, squared_hinge, categorical_hinge, kl_divergence,
// poisson, cosine_similarity, mean_squared_logarithmic_error, mean_absolute_percentage_error
// and the fused, numerically stable *_logits forms (Keras's from_logits=True). Each has a
// <loss>_grad op: (upstream scalar, y_pred, y_true) -> d y_pred. No gradient flows to y_true.
// Optional trailing inputs: a row mask (y_pred.shape[:-1]; 0 = masked, the mean covers valid
// rows), then, when attr weighted=1, per-row sample weights (same shape) multiplying each
// row's loss (Keras's sample_weight; the divisor stays the row / valid-row count).
#include <vector>

#include "cpu/losses.h"
#include "ops/dispatch.h"
#include "ops/loss_layout.h"
#include "ops/loss_math.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void require_matching_pair(const InferContext& ctx, size_t pred, size_t target) {
  ctx.require_float(pred);
  check(ctx.dtype(target) == ctx.dtype(pred), ErrorKind::Type, ctx.where(), ": y_true has dtype ",
        dtype_name(ctx.dtype(target)), " but y_pred has ", dtype_name(ctx.dtype(pred)));
  const Shape &p = ctx.shape(pred), &t = ctx.shape(target);
  bool same = p.size() == t.size();
  for (size_t d = 0; same && d < p.size(); ++d) same = dims_compatible(p[d], t[d]);
  ctx.require(same, "y_pred has shape ", shape_str(p), " but y_true has shape ", shape_str(t));
  ctx.require(!p.empty(), "y_pred needs at least one axis");
}

// An optional mask (y_pred.shape[:-1], y_pred's dtype; 0 = masked) follows y_true.
void require_row_mask(const InferContext& ctx, size_t pred, size_t mask, const char* what = "the mask") {
  const Shape &p = ctx.shape(pred), &m = ctx.shape(mask);
  bool ok = m.size() + 1 == p.size() && ctx.dtype(mask) == ctx.dtype(pred);
  for (size_t d = 0; ok && d < m.size(); ++d) ok = dims_compatible(m[d], p[d]);
  ctx.require(ok, what, " must have y_pred's dtype and shape ", shape_str(Shape(p.begin(), p.end() - 1)), ", got ",
              shape_str(m));
}

// The optional inputs after (y_pred, y_true) at `first` (LossExtras, ops/loss_layout.h).
LossExtras extras_of(const Attrs& attrs, size_t num_inputs, size_t first) {
  LossExtras e;
  size_t extra = num_inputs > first ? num_inputs - first : 0;
  bool weighted = attrs.get_int("weighted", 0) != 0;
  check(!weighted || extra >= 1, ErrorKind::Value, "weighted=1 needs a sample-weight input");
  check(extra <= (weighted ? 2u : 1u), ErrorKind::Value, "takes at most a mask",
        weighted ? " and sample weights" : " (sample weights need weighted=1)", " after y_pred and y_true, got ", extra,
        " more inputs");
  if (weighted) e.weights = num_inputs - 1;
  if (extra - (weighted ? 1 : 0) == 1) e.mask = first;
  return e;
}

template <typename T>
const T* input_or_null(const KernelContext& ctx, size_t index) {
  return index ? ctx.inputs[index].data<T>() : nullptr;
}

void require_extras(const InferContext& ctx, size_t pred, size_t first) {
  LossExtras e = extras_of(ctx.attrs(), ctx.num_inputs(), first);
  if (e.mask) require_row_mask(ctx, pred, e.mask);
  if (e.weights) require_row_mask(ctx, pred, e.weights, "the sample weights");
}

// LossPrepared and the workspace layout are in ops/loss_layout.h (the CUDA kernels read them).
PrepareRule prepare_loss(size_t first_extra) {
  return [first_extra](const PrepareContext& ctx) {
    return prepared_state(
        LossPrepared{extras_of(ctx.attrs(), ctx.inputs.size(), first_extra), ctx.attrs().get_float("delta", 1.0)});
  };
}

std::vector<ValueId> grad_inputs(const Node& node, ValueId upstream) {
  std::vector<ValueId> in{upstream};
  in.insert(in.end(), node.inputs.begin(), node.inputs.end());
  return in;
}

std::vector<ValueId> loss_grads(GradBuilder& gb, const std::string& name, const Node& node, ValueId upstream) {
  std::vector<ValueId> result(node.inputs.size(), kNoValue);
  result[0] = gb.emit(name + "_grad", grad_inputs(node, upstream), node.attrs);
  return result;
}

void register_loss(const std::string& name, cpu::Loss loss) {
  OpDef fwd;
  fwd.name = name;
  fwd.min_inputs = 2;
  fwd.max_inputs = 4;
  fwd.attrs = {{"weighted", AttrType::Int}, {"delta", AttrType::Float}};
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_matching_pair(ctx, 0, 1);
    require_extras(ctx, 0, 2);
    return {{{}, ctx.dtype(0)}};
  };
  fwd.prepare = prepare_loss(2);
  fwd.workspace = [](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs&) {
    return loss_rows_bytes(in[0].shape) + kLossScalarsBytes;
  };
  fwd.cpu = [loss](const KernelContext& ctx) {
    const Tensor &p = ctx.inputs[0], &t = ctx.inputs[1];
    int64_t cols = p.shape().back(), rows = product(p.shape(), 0, p.rank() - 1);
    const LossExtras& e = ctx.prepared<LossPrepared>().e;
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      *ctx.outputs[0].data<T>() = cpu::loss_forward<T>(
          loss, p.data<T>(), t.data<T>(), rows, cols, input_or_null<T>(ctx, e.mask), input_or_null<T>(ctx, e.weights),
          ctx.prepared<LossPrepared>().delta, static_cast<double*>(ctx.workspace));
    });
  };
  fwd.backward = [name](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return loss_grads(gb, name, node, grads[0]);
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = name + "_grad";
  bwd.min_inputs = 3;
  bwd.max_inputs = 5;
  bwd.attrs = {{"weighted", AttrType::Int}, {"delta", AttrType::Float}};
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty(), "the upstream gradient must be a scalar");
    check(ctx.dtype(0) == ctx.dtype(1), ErrorKind::Type, ctx.where(), ": the upstream gradient has dtype ",
          dtype_name(ctx.dtype(0)), " but y_pred has ", dtype_name(ctx.dtype(1)));
    require_matching_pair(ctx, 1, 2);
    require_extras(ctx, 1, 3);
    return {{ctx.shape(1), ctx.dtype(1)}};
  };
  bwd.prepare = prepare_loss(3);
  bwd.workspace = [](const std::vector<TensorSpec>&, const std::vector<TensorSpec>&, const Attrs&) {
    return kLossScalarsBytes;  // the device's divisor and hinge flag (the CPU computes them inline)
  };
  bwd.cpu = [loss](const KernelContext& ctx) {
    const Tensor &g = ctx.inputs[0], &p = ctx.inputs[1], &t = ctx.inputs[2];
    int64_t cols = p.shape().back(), rows = product(p.shape(), 0, p.rank() - 1);
    const LossExtras& e = ctx.prepared<LossPrepared>().e;
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::loss_backward<T>(loss, *g.data<T>(), p.data<T>(), t.data<T>(), rows, cols, ctx.outputs[0].data<T>(),
                            input_or_null<T>(ctx, e.mask), input_or_null<T>(ctx, e.weights),
                            ctx.prepared<LossPrepared>().delta);
    });
  };
  register_op(std::move(bwd));
}

// Class labels as int64 (into workspace), validated: a label outside [0, classes) is
// reported through the device error record, naming the node and the label, and the
// kernel reads nothing out of bounds.
bool checked_labels(const KernelContext& ctx, const Tensor& labels, int64_t classes, int64_t* out) {
  for (int64_t i = 0; i < labels.numel(); ++i) {
    double v = 0;
    switch (labels.dtype()) {
      case DType::i32: v = labels.data<int32_t>()[i]; break;
      case DType::i64: v = static_cast<double>(labels.data<int64_t>()[i]); break;
      case DType::f32: v = labels.data<float>()[i]; break;
      case DType::f64: v = labels.data<double>()[i]; break;
    }
    if (!valid_label(v, classes)) {
      ctx.report_error(kErrorLabelOutOfRange, i, 0, v, classes);
      return false;
    }
    out[i] = static_cast<int64_t>(v);
  }
  return true;
}

std::string describe_label_error(const Node& node, const std::vector<TensorSpec>&, const DeviceError& e) {
  return cat("node '", node.name, "' (", node.op->name, "): label ", e.float_value, " at position ", e.position,
             " is not a class index in [0, ", e.bound, ")");
}

WorkspaceRule labels_workspace(size_t i, bool rows) {
  return [i, rows](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs&) {
    return loss_labels_bytes(in[i].shape) + (rows ? loss_rows_bytes(in[i - 1].shape) : 0) + kLossScalarsBytes;
  };
}

void require_sparse_pair(const InferContext& ctx, size_t pred, size_t labels) {
  ctx.require_float(pred);
  const Shape &p = ctx.shape(pred), &t = ctx.shape(labels);
  ctx.require(!p.empty(), "y_pred needs at least one axis");
  bool ok = t.size() + 1 == p.size() || (t.size() == p.size() && dims_compatible(t.back(), 1));
  for (size_t d = 0; ok && d + 1 < p.size(); ++d) ok = dims_compatible(p[d], t[d]);
  ctx.require(ok, "sparse labels must have shape y_pred.shape[:-1] (or with a trailing 1): y_pred has shape ",
              shape_str(p), " but y_true has shape ", shape_str(t));
}

void register_sparse_loss(const std::string& name, bool from_logits) {
  OpDef fwd;
  fwd.name = name;
  fwd.min_inputs = 2;
  fwd.max_inputs = 4;
  fwd.attrs = {{"weighted", AttrType::Int}};
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_sparse_pair(ctx, 0, 1);
    require_extras(ctx, 0, 2);
    return {{{}, ctx.dtype(0)}};
  };
  fwd.workspace = labels_workspace(1, true);
  fwd.prepare = prepare_loss(2);
  fwd.describe_error = describe_label_error;
  fwd.cpu = [from_logits](const KernelContext& ctx) {
    const Tensor& p = ctx.inputs[0];
    int64_t cols = p.shape().back(), rows = product(p.shape(), 0, p.rank() - 1);
    int64_t* labels = static_cast<int64_t*>(ctx.workspace);
    if (!checked_labels(ctx, ctx.inputs[1], cols, labels)) return;
    const LossExtras& e = ctx.prepared<LossPrepared>().e;
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      *ctx.outputs[0].data<T>() = cpu::sparse_crossentropy_forward<T>(
          from_logits, p.data<T>(), labels, rows, cols, input_or_null<T>(ctx, e.mask), input_or_null<T>(ctx, e.weights),
          reinterpret_cast<double*>(static_cast<char*>(ctx.workspace) + loss_labels_bytes(ctx.inputs[1].shape())));
    });
  };
  fwd.backward = [name](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return loss_grads(gb, name, node, grads[0]);
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = name + "_grad";
  bwd.min_inputs = 3;
  bwd.max_inputs = 5;
  bwd.attrs = {{"weighted", AttrType::Int}};
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty(), "the upstream gradient must be a scalar");
    check(ctx.dtype(0) == ctx.dtype(1), ErrorKind::Type, ctx.where(), ": the upstream gradient has dtype ",
          dtype_name(ctx.dtype(0)), " but y_pred has ", dtype_name(ctx.dtype(1)));
    require_sparse_pair(ctx, 1, 2);
    require_extras(ctx, 1, 3);
    return {{ctx.shape(1), ctx.dtype(1)}};
  };
  bwd.workspace = labels_workspace(2, false);
  bwd.prepare = prepare_loss(3);
  bwd.describe_error = describe_label_error;
  bwd.cpu = [from_logits](const KernelContext& ctx) {
    const Tensor &g = ctx.inputs[0], &p = ctx.inputs[1];
    int64_t cols = p.shape().back(), rows = product(p.shape(), 0, p.rank() - 1);
    int64_t* labels = static_cast<int64_t*>(ctx.workspace);
    if (!checked_labels(ctx, ctx.inputs[2], cols, labels)) return;
    const LossExtras& e = ctx.prepared<LossPrepared>().e;
    dispatch_float(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::sparse_crossentropy_backward<T>(from_logits, *g.data<T>(), p.data<T>(), labels, rows, cols,
                                           ctx.outputs[0].data<T>(), input_or_null<T>(ctx, e.mask),
                                           input_or_null<T>(ctx, e.weights));
    });
  };
  register_op(std::move(bwd));
}
}  // namespace

void register_loss_ops() {
  register_loss("mae", cpu::Loss::MeanAbsoluteError);
  register_loss("binary_crossentropy_logits", cpu::Loss::BinaryCrossentropyLogits);
  register_loss("categorical_crossentropy_logits", cpu::Loss::CategoricalCrossentropyLogits);
  register_sparse_loss("sparse_categorical_crossentropy", false);
  register_sparse_loss("sparse_categorical_crossentropy_logits", true);
  register_loss("mse", cpu::Loss::MeanSquaredError);
  register_loss("binary_crossentropy", cpu::Loss::BinaryCrossentropy);
  register_loss("categorical_crossentropy", cpu::Loss::CategoricalCrossentropy);
  register_loss("huber", cpu::Loss::Huber);
  register_loss("log_cosh", cpu::Loss::LogCosh);
  register_loss("hinge", cpu::Loss::Hinge);
  register_loss("squared_hinge", cpu::Loss::SquaredHinge);
  register_loss("categorical_hinge", cpu::Loss::CategoricalHinge);
  register_loss("kl_divergence", cpu::Loss::KLDivergence);
  register_loss("poisson", cpu::Loss::Poisson);
  register_loss("cosine_similarity", cpu::Loss::CosineSimilarity);
  register_loss("mean_squared_logarithmic_error", cpu::Loss::MeanSquaredLogarithmicError);
  register_loss("mean_absolute_percentage_error", cpu::Loss::MeanAbsolutePercentageError);
}

}  // namespace dagnet
