// Normalizations, one fused op each way (formulas in ops/normalization_layout.h):
//   normalize(x, [gamma], [beta], [weights]) -> y, mean, var
//     statistics over `axes` (the batch norm in training, layer, group, RMS and unit norms);
//     mean/var (shaped like x without the reduced axes; a split group axis keeps its
//     groups) are computed only when the graph reads them: the backward pass, a batch
//     norm's moving-average update.
//   normalize_with_stats(x, mean, var, [gamma], [beta]) -> y
//     the same with given statistics (a batch norm in inference, keras.ops.batch_normalization).
//   normalize_grad(dy, x, mean, var, [gamma], [weights], [dmean, dvar]) -> dx, dgamma, dbeta, dmean, dvar
//     the gradient of either; every output after dx is computed only when read.
//   moving_average_update(variable, value) attr momentum: variable = variable * momentum +
//     value * (1 - momentum), in place (a state update: see CONTRIBUTING.md).
//   fold_batch_norm(kernel, [bias], mean, var, [gamma], [beta]) attrs epsilon, bias, scale,
//     center -> kernel', bias': a batch norm in inference folded into the dense/conv before
//     it (the kernel's last axis is its channels; see layers/batch_norm_folding.py).
// Attributes: axes (reduced), param_axes (the axes gamma/beta span, in x's order), groups +
// group_axis (a group norm splits that axis into groups kept and channels reduced), mode
// (moments | rms_scaling | rms | l2), epsilon; the flags scale, center, weighted say which
// optional inputs are present; weighted moments divide by sum(weights) + count_epsilon
// (Keras's masked batch norm); stop_stat_grads makes mean/var constants to autodiff. The axes are checked at graph
// build time: every layout the Keras layers produce is accepted; one that cannot be viewed as [outer, rows, kept,
// inner] is refused with a message naming it (the Python front end then transposes).
#include "cpu/normalization.h"
#include "ops/dispatch.h"
#include "ops/normalization_layout.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
const std::vector<AttrSpec> kNormAttrs = {
    {"axes", AttrType::IntList},        {"param_axes", AttrType::IntList}, {"groups", AttrType::Int},
    {"group_axis", AttrType::Int},      {"mode", AttrType::String},        {"epsilon", AttrType::Float},
    {"count_epsilon", AttrType::Float}, {"scale", AttrType::Int},          {"center", AttrType::Int},
    {"weighted", AttrType::Int},        {"fixed_stats", AttrType::Int},    {"stat_grads", AttrType::Int},
    {"stop_stat_grads", AttrType::Int}};

struct NormGeometry {
  NormSetup setup;
  Shape stats_shape, param_shape;
};

[[noreturn]] void norm_fail(const InferContext* ctx, const std::string& message) {
  if (ctx) ctx->fail(message);
  fail(ErrorKind::Value, message);
}

// One axis (or half of a split group axis) of x, then runs of them merged.
struct Unit {
  int64_t size;
  bool reduced;
  int64_t param_stride;  // 0: gamma/beta do not vary along it
  bool last_axis_only;   // exactly x's last axis
};

int64_t mul_dims(int64_t a, int64_t b) { return a < 0 || b < 0 ? kUnknownDim : a * b; }

NormGeometry norm_geometry(const Shape& x, const Attrs& attrs, const InferContext* ctx) {
  NormGeometry g;
  NormSetup& s = g.setup;
  const int64_t rank = static_cast<int64_t>(x.size());
  try {
    s.mode = parse_norm_mode(attrs.get_string("mode", "moments"));
  } catch (const Error& e) {
    norm_fail(ctx, e.what());
  }
  s.epsilon = attrs.get_float("epsilon", 1e-3);
  s.count_epsilon = attrs.get_float("count_epsilon", 0.0);
  s.scale = attrs.get_int("scale", 0) != 0;
  s.center = attrs.get_int("center", 0) != 0;
  s.weighted = attrs.get_int("weighted", 0) != 0;
  s.fixed_stats = attrs.get_int("fixed_stats", 0) != 0;
  s.stat_grads = attrs.get_int("stat_grads", 0) != 0;
  if (!(s.epsilon >= 0)) norm_fail(ctx, cat("epsilon must be >= 0, got ", s.epsilon));
  if (s.mode == NormMode::L2 && !(s.epsilon > 0)) norm_fail(ctx, "the l2 mode needs epsilon > 0");
  if (s.weighted && s.mode != NormMode::Moments) norm_fail(ctx, "weights (a mask) need the moments mode");
  if (rank < 1) norm_fail(ctx, "cannot normalize a scalar");

  auto axis_of = [&](int64_t a, const char* what) {
    if (a < -rank || a >= rank) norm_fail(ctx, cat(what, " ", a, " is out of range for an input of rank ", rank));
    return a < 0 ? a + rank : a;
  };
  std::vector<char> reduced(rank, 0), param(rank, 0);
  for (int64_t a : attrs.get_ints("axes", {})) {
    const int64_t i = axis_of(a, "axis");
    if (reduced[i]) norm_fail(ctx, cat("axis ", a, " is listed twice"));
    reduced[i] = 1;
  }
  int64_t previous = -1;
  for (int64_t a : attrs.get_ints("param_axes", {})) {
    const int64_t i = axis_of(a, "parameter axis");
    if (i <= previous) norm_fail(ctx, "the parameter axes must be listed once each, in increasing order");
    previous = i;
    if (x[i] < 0) norm_fail(ctx, cat("axis ", i, " carries gamma/beta, so its size must be known"));
    param[i] = 1;
    g.param_shape.push_back(x[i]);
  }
  const int64_t groups = attrs.get_int("groups", 0);
  int64_t group_axis = -1;
  if (groups > 0) {
    group_axis = axis_of(attrs.get_int("group_axis", -1), "group axis");
    const int64_t c = x[group_axis];
    if (reduced[group_axis]) norm_fail(ctx, "the group axis cannot also be a reduced axis");
    if (c < 0) norm_fail(ctx, "the group axis must have a known size");
    if (c % groups != 0) norm_fail(ctx, cat("cannot split ", c, " channels into ", groups, " groups"));
  } else if (groups < 0) {
    norm_fail(ctx, cat("groups must be >= 0, got ", groups));
  }

  std::vector<int64_t> stride(rank, 0);  // gamma/beta strides
  int64_t params = 1;
  for (int64_t i = rank - 1; i >= 0; --i)
    if (param[i]) {
      stride[i] = params;
      params *= x[i];
    }
  s.layout.params = g.param_shape.empty() ? 0 : params;

  std::vector<Unit> units;
  for (int64_t i = 0; i < rank; ++i) {
    if (i == group_axis) {
      const int64_t per_group = x[i] / groups;
      units.push_back({groups, false, stride[i] * per_group, false});
      units.push_back({per_group, true, stride[i], false});
      g.stats_shape.push_back(groups);
      continue;
    }
    units.push_back({x[i], reduced[i] != 0, stride[i], i == rank - 1});
    if (!reduced[i]) g.stats_shape.push_back(x[i]);
  }
  std::vector<Unit> merged;
  for (const Unit& u : units) {
    if (!merged.empty()) {
      Unit& b = merged.back();
      const bool params_join = (b.param_stride == 0 && u.param_stride == 0) ||
                               (u.param_stride != 0 && b.param_stride == u.param_stride * u.size);
      if (b.reduced == u.reduced && params_join) {
        b.size = mul_dims(b.size, u.size);
        b.param_stride = u.param_stride;
        b.last_axis_only = false;
        continue;
      }
    }
    merged.push_back(u);
  }

  // Slots: outer (kept, no parameters), rows (reduced), kept, inner (reduced), and a
  // second inner run along which gamma/beta do not vary (a group norm's positions).
  const Unit* slot[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  int64_t last_kept = -1;
  for (size_t i = 0; i < merged.size(); ++i)
    if (!merged[i].reduced) last_kept = static_cast<int64_t>(i);
  int next = 0;
  bool fits = true;
  for (size_t i = 0; i < merged.size() && fits; ++i) {
    const Unit& u = merged[i];
    if (!u.reduced) {
      if (static_cast<int64_t>(i) != last_kept) {
        fits = next == 0 && u.param_stride == 0;
        slot[0] = &u;
        next = 1;
      } else {
        fits = next <= 2;
        slot[2] = &u;
        next = 3;
      }
    } else if (static_cast<int64_t>(i) < last_kept) {
      fits = next <= 1;
      slot[1] = &u;
      next = 2;
    } else if (next <= 3) {
      slot[3] = &u;
      next = 4;
    } else {
      fits = next == 4 && u.param_stride == 0;
      slot[4] = &u;
      next = 5;
    }
  }
  if (!fits)
    norm_fail(ctx, cat("cannot normalize over axes ", shape_str(attrs.get_ints("axes", {})), " of an input of shape ",
                       shape_str(x), " in one pass (the kept axes must form at most two runs)"));
  NormLayout& l = s.layout;
  auto size_of = [](const Unit* u) { return u ? u->size : int64_t{1}; };
  l.outer = size_of(slot[0]);
  l.rows = size_of(slot[1]);
  l.kept = size_of(slot[2]);
  l.inner = mul_dims(size_of(slot[3]), size_of(slot[4]));
  l.param_row = slot[1] ? slot[1]->param_stride : 0;
  l.param_kept = slot[2] ? slot[2]->param_stride : 0;
  l.param_inner = slot[3] ? slot[3]->param_stride : 0;
  l.inner_repeat = l.param_inner != 0 && slot[4] ? slot[4]->size : 1;
  if (s.weighted && !(slot[2] && slot[2]->last_axis_only && !slot[3] && !slot[4]))
    norm_fail(ctx, "a mask needs the statistics to be kept along the last axis only (a batch norm over axis -1)");
  return g;
}

NormGeometry geometry_of(const InferContext& ctx) { return norm_geometry(ctx.shape(0), ctx.attrs(), &ctx); }

// Input positions of the optional operands.
struct NormInputs {
  int gamma = -1, beta = -1, weights = -1, mean = -1, var = -1, dmean = -1, dvar = -1;
  int count = 0;
};
NormInputs forward_inputs(const NormSetup& s) {
  NormInputs in;
  int n = 1;  // x
  if (s.fixed_stats) {
    in.mean = n++;
    in.var = n++;
  }
  if (s.scale) in.gamma = n++;
  if (s.center) in.beta = n++;
  if (s.weighted) in.weights = n++;
  in.count = n;
  return in;
}
NormInputs grad_inputs(const NormSetup& s) {  // after dy, x
  NormInputs in;
  int n = 2;
  in.mean = n++;
  in.var = n++;
  if (s.scale) in.gamma = n++;
  if (s.weighted) in.weights = n++;
  if (s.stat_grads) {
    in.dmean = n++;
    in.dvar = n++;
  }
  in.count = n;
  return in;
}

// An optional input (index -1: absent).
void require_optional_shape(const InferContext& ctx, int index, const Shape& want, const char* what) {
  if (index >= 0) require_shape(ctx, static_cast<size_t>(index), want, what);
}

void check_inputs(const InferContext& ctx, const NormGeometry& g, const NormInputs& in, int x_index) {
  ctx.require(static_cast<int>(ctx.num_inputs()) == in.count, "expects ", in.count,
              " inputs for its flags (scale, center, weighted, fixed_stats, stat_grads), got ", ctx.num_inputs());
  ctx.require_float(static_cast<size_t>(x_index));
  ctx.require_same_dtype(0, ctx.num_inputs());
  Shape mask_shape(ctx.shape(x_index).begin(), ctx.shape(x_index).end() - 1);
  require_optional_shape(ctx, in.gamma, g.param_shape, "gamma");
  require_optional_shape(ctx, in.beta, g.param_shape, "beta");
  require_optional_shape(ctx, in.weights, mask_shape, "the mask weights");
  require_optional_shape(ctx, in.mean, g.stats_shape, "mean");
  require_optional_shape(ctx, in.var, g.stats_shape, "var");
  require_optional_shape(ctx, in.dmean, g.stats_shape, "the mean's gradient");
  require_optional_shape(ctx, in.dvar, g.stats_shape, "the variance's gradient");
}

NormSetup prepared_setup(const PrepareContext& ctx, int x_index) {
  return norm_geometry(ctx.inputs[static_cast<size_t>(x_index)].shape, ctx.attrs(), nullptr).setup;
}

size_t norm_workspace(const std::vector<TensorSpec>& inputs, const Attrs& attrs, int x_index) {
  const NormSetup s = norm_geometry(inputs[static_cast<size_t>(x_index)].shape, attrs, nullptr).setup;
  const size_t element = dtype_size(inputs[static_cast<size_t>(x_index)].dtype);
  return std::max(cpu::norm_scratch_bytes(s, element), norm_device_scratch_bytes(s, element));
}

template <typename T>
const T* optional_input(const KernelContext& ctx, int index) {
  return index >= 0 ? ctx.inputs[static_cast<size_t>(index)].data<T>() : nullptr;
}
template <typename T>
T* optional_output(const KernelContext& ctx, size_t index) {
  return index < ctx.outputs.size() && ctx.outputs[index].defined() ? ctx.outputs[index].data<T>() : nullptr;
}

// A gradient that autodiff filled with zeros (nothing downstream used the output).
bool is_zero_fill(Graph& graph, ValueId v) {
  const NodeId p = graph.value(v).producer;
  if (p < 0) return false;
  const Node& n = graph.node(p);
  return n.op->name == "fill_like" && n.attrs.get_float("value", 1.0) == 0.0;
}

Attrs with_flags(Attrs attrs, int64_t fixed_stats, int64_t stat_grads) {
  attrs.set("fixed_stats", fixed_stats);
  attrs.set("stat_grads", stat_grads);
  return attrs;
}

void register_normalize() {
  OpDef op;
  op.name = "normalize";
  op.min_inputs = 1;
  op.max_inputs = 4;
  op.attrs = kNormAttrs;
  op.saved_outputs_from = 1;
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const NormGeometry g = geometry_of(ctx);
    ctx.require(!g.setup.fixed_stats && !g.setup.stat_grads, "fixed_stats/stat_grads belong to other ops");
    check_inputs(ctx, g, forward_inputs(g.setup), 0);
    return {{ctx.shape(0), ctx.dtype(0)}, {g.stats_shape, ctx.dtype(0)}, {g.stats_shape, ctx.dtype(0)}};
  };
  op.prepare = [](const PrepareContext& ctx) { return prepared_state(prepared_setup(ctx, 0)); };
  op.workspace = [](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return norm_workspace(in, attrs, 0);
  };
  op.cpu = [](const KernelContext& ctx) {
    const NormSetup& s = ctx.prepared<NormSetup>();
    const NormInputs in = forward_inputs(s);
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::NormArgs<T> a;
      a.x = ctx.inputs[0].data<T>();
      a.gamma = optional_input<T>(ctx, in.gamma);
      a.beta = optional_input<T>(ctx, in.beta);
      a.weights = optional_input<T>(ctx, in.weights);
      a.y = ctx.outputs[0].data<T>();
      a.mean = optional_output<T>(ctx, 1);
      a.var = optional_output<T>(ctx, 2);
      cpu::normalize_forward<T>(s, a, ctx.workspace);
    });
  };
  op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const NormSetup s = norm_geometry(gb.spec(node.inputs[0]).shape, node.attrs, nullptr).setup;
    const NormInputs in = forward_inputs(s);
    // stop_stat_grads: the statistics outputs are constants to autodiff (a batch
    // renormalization's corrections are computed from them under stop_gradient).
    const bool stat_grads = node.attrs.get_int("stop_stat_grads", 0) == 0 &&
                            (!is_zero_fill(gb.graph(), grads[1]) || !is_zero_fill(gb.graph(), grads[2]));
    std::vector<ValueId> inputs{grads[0], node.inputs[0], node.outputs[1], node.outputs[2]};
    if (in.gamma >= 0) inputs.push_back(node.inputs[static_cast<size_t>(in.gamma)]);
    if (in.weights >= 0) inputs.push_back(node.inputs[static_cast<size_t>(in.weights)]);
    if (stat_grads) {
      inputs.push_back(grads[1]);
      inputs.push_back(grads[2]);
    }
    std::vector<ValueId> d = gb.emit_multi("normalize_grad", inputs, with_flags(node.attrs, 0, stat_grads ? 1 : 0));
    std::vector<ValueId> result(node.inputs.size(), kNoValue);
    result[0] = d[0];
    if (in.gamma >= 0) result[static_cast<size_t>(in.gamma)] = d[1];
    if (in.beta >= 0) result[static_cast<size_t>(in.beta)] = d[2];
    return result;
  };
  register_op(std::move(op));
}

void register_normalize_with_stats() {
  OpDef op;
  op.name = "normalize_with_stats";
  op.min_inputs = 3;
  op.max_inputs = 5;
  op.attrs = kNormAttrs;
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const NormGeometry g = geometry_of(ctx);
    ctx.require(g.setup.fixed_stats, "needs fixed_stats=1");
    ctx.require(!g.setup.weighted && !g.setup.stat_grads && g.setup.mode == NormMode::Moments,
                "takes its statistics as given: no weights, moments mode");
    check_inputs(ctx, g, forward_inputs(g.setup), 0);
    return {{ctx.shape(0), ctx.dtype(0)}};
  };
  op.prepare = [](const PrepareContext& ctx) { return prepared_state(prepared_setup(ctx, 0)); };
  op.workspace = [](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return norm_workspace(in, attrs, 0);
  };
  op.cpu = [](const KernelContext& ctx) {
    const NormSetup& s = ctx.prepared<NormSetup>();
    const NormInputs in = forward_inputs(s);
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::NormArgs<T> a;
      a.x = ctx.inputs[0].data<T>();
      a.mean_in = optional_input<T>(ctx, in.mean);
      a.var_in = optional_input<T>(ctx, in.var);
      a.gamma = optional_input<T>(ctx, in.gamma);
      a.beta = optional_input<T>(ctx, in.beta);
      a.y = ctx.outputs[0].data<T>();
      cpu::normalize_forward<T>(s, a, ctx.workspace);
    });
  };
  op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const NormSetup s = norm_geometry(gb.spec(node.inputs[0]).shape, node.attrs, nullptr).setup;
    const NormInputs in = forward_inputs(s);
    std::vector<ValueId> inputs{grads[0], node.inputs[0], node.inputs[1], node.inputs[2]};
    if (in.gamma >= 0) inputs.push_back(node.inputs[static_cast<size_t>(in.gamma)]);
    std::vector<ValueId> d = gb.emit_multi("normalize_grad", inputs, with_flags(node.attrs, 1, 0));
    std::vector<ValueId> result(node.inputs.size(), kNoValue);
    result[0] = d[0];
    result[1] = d[3];
    result[2] = d[4];
    if (in.gamma >= 0) result[static_cast<size_t>(in.gamma)] = d[1];
    if (in.beta >= 0) result[static_cast<size_t>(in.beta)] = d[2];
    return result;
  };
  register_op(std::move(op));
}

void register_normalize_grad() {
  OpDef op;
  op.name = "normalize_grad";
  op.min_inputs = 4;
  op.max_inputs = 8;
  op.attrs = kNormAttrs;
  op.saved_outputs_from = 1;  // dgamma, dbeta, dmean, dvar only when read
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const NormGeometry g = norm_geometry(ctx.shape(1), ctx.attrs(), &ctx);
    check_inputs(ctx, g, grad_inputs(g.setup), 1);
    require_shape(ctx, size_t{0}, ctx.shape(1), "dy (x's shape)");
    const DType t = ctx.dtype(1);
    return {{ctx.shape(1), t}, {g.param_shape, t}, {g.param_shape, t}, {g.stats_shape, t}, {g.stats_shape, t}};
  };
  op.prepare = [](const PrepareContext& ctx) { return prepared_state(prepared_setup(ctx, 1)); };
  op.workspace = [](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    return norm_workspace(in, attrs, 1);
  };
  op.cpu = [](const KernelContext& ctx) {
    const NormSetup& s = ctx.prepared<NormSetup>();
    const NormInputs in = grad_inputs(s);
    dispatch_float(ctx.inputs[1].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::NormArgs<T> a;
      a.dy = ctx.inputs[0].data<T>();
      a.x = ctx.inputs[1].data<T>();
      a.mean_in = optional_input<T>(ctx, in.mean);
      a.var_in = optional_input<T>(ctx, in.var);
      a.gamma = optional_input<T>(ctx, in.gamma);
      a.weights = optional_input<T>(ctx, in.weights);
      a.dmean_in = optional_input<T>(ctx, in.dmean);
      a.dvar_in = optional_input<T>(ctx, in.dvar);
      a.dx = ctx.outputs[0].data<T>();
      a.dgamma = optional_output<T>(ctx, 1);
      a.dbeta = optional_output<T>(ctx, 2);
      if (s.fixed_stats) {
        a.dmean = optional_output<T>(ctx, 3);
        a.dvar = optional_output<T>(ctx, 4);
      }
      cpu::normalize_backward<T>(s, a, ctx.workspace);
    });
  };
  register_op(std::move(op));
}

NormFoldSetup fold_inputs(const Attrs& attrs) {
  NormFoldSetup in;
  int n = 1;
  if (attrs.get_int("bias", 0)) in.bias = n++;
  in.mean = n++;
  in.var = n++;
  if (attrs.get_int("scale", 0)) in.gamma = n++;
  if (attrs.get_int("center", 0)) in.beta = n++;
  in.count = n;
  in.epsilon = attrs.get_float("epsilon", 1e-3);
  return in;
}

void register_fold_batch_norm() {
  OpDef op;
  op.name = "fold_batch_norm";
  op.min_inputs = 3;
  op.max_inputs = 6;
  op.attrs = {
      {"epsilon", AttrType::Float}, {"bias", AttrType::Int}, {"scale", AttrType::Int}, {"center", AttrType::Int}};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const NormFoldSetup in = fold_inputs(ctx.attrs());
    ctx.require(static_cast<int>(ctx.num_inputs()) == in.count, "expects ", in.count, " inputs for its flags, got ",
                ctx.num_inputs());
    ctx.require_float(0);
    ctx.require_same_dtype(0, ctx.num_inputs());
    ctx.require(!ctx.shape(0).empty(), "the kernel needs a last (channel) axis");
    Shape channels{ctx.shape(0).back()};
    for (int i : {in.bias, in.mean, in.var, in.gamma, in.beta})
      if (i >= 0) {
        require_shape(ctx, static_cast<size_t>(i), channels, "each of bias, mean, var, gamma, beta");
        if (channels[0] < 0) channels = ctx.shape(static_cast<size_t>(i));  // the first known size
      }
    ctx.require(ctx.attrs().get_float("epsilon", 1e-3) >= 0, "epsilon must be >= 0");
    return {{ctx.shape(0), ctx.dtype(0)}, {channels, ctx.dtype(0)}};
  };
  op.workspace = [](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs&) {
    return static_cast<size_t>(in[0].shape.back()) * dtype_size(in[0].dtype);
  };
  op.prepare = [](const PrepareContext& ctx) { return prepared_state(fold_inputs(ctx.attrs())); };
  op.cpu = [](const KernelContext& ctx) {
    const NormFoldSetup& in = ctx.prepared<NormFoldSetup>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const Tensor& kernel = ctx.inputs[0];
      cpu::fold_batch_norm<T>(kernel.data<T>(), optional_input<T>(ctx, in.bias), optional_input<T>(ctx, in.mean),
                              optional_input<T>(ctx, in.var), optional_input<T>(ctx, in.gamma),
                              optional_input<T>(ctx, in.beta), kernel.shape().back(), kernel.numel(), in.epsilon,
                              ctx.outputs[0].data<T>(), ctx.outputs[1].data<T>(), static_cast<T*>(ctx.workspace));
    });
  };
  register_op(std::move(op));
}

void register_moving_average_update() {
  OpDef op;
  op.name = "moving_average_update";
  op.min_inputs = op.max_inputs = 2;
  op.attrs = {{"momentum", AttrType::Float}};
  op.mutates = {0};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require(shapes_compatible(ctx.shape(0), ctx.shape(1)) && ctx.dtype(0) == ctx.dtype(1),
                "the value must have the variable's shape and dtype");
    const double momentum = ctx.attrs().get_float("momentum", 0.99);
    ctx.require(momentum >= 0 && momentum <= 1, "momentum must be in [0, 1], got ", momentum);
    return {};
  };
  op.prepare = [](const PrepareContext& ctx) { return prepared_state(ctx.attrs().get_float("momentum", 0.99)); };
  op.cpu = [](const KernelContext& ctx) {
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::moving_average_update<T>(ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[0].numel(),
                                    ctx.prepared<double>());
    });
  };
  register_op(std::move(op));
}
}  // namespace

void register_normalization_ops() {
  register_normalize();
  register_normalize_with_stats();
  register_normalize_grad();
  register_moving_average_update();
  register_fold_batch_norm();
}

}  // namespace dagnet
