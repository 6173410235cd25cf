// The recurrent ops lstm, gru and simple_rnn: each runs one Keras recurrent layer over the
// whole sequence (forward, and its _grad op backpropagation through time) in one node.
//
// <op>(x, kernel, recurrent_kernel, bias[, initial states][, mask][, recurrent_mask])
//   x (batch, time, in); kernel (in, G*u); recurrent_kernel (u, G*u); bias (G*u,), or
//   (2, 3u) for a GRU with reset_after; S initial states (batch, u) when has_initial_state;
//   mask (batch, time), any dtype, nonzero = valid, when has_mask; recurrent_mask
//   (batch, u), recurrent dropout's scaled 0/1 mask, when has_recurrent_mask.
//   lstm: G = 4 (gates i, f, c, o), states [h, c]; gru: G = 3 (z, r, h), [h];
//   simple_rnn: G = 1, [h].
// Outputs: [output, final states..., saved...]: output (batch, time, u) with
// return_sequences else (batch, u); the saved activations exist for the backward pass only
// (lstm: gates, cells, hiddens; gru: gates, hiddens; simple_rnn: hiddens).
// attrs: return_sequences, go_backwards, zero_output_for_mask, has_initial_state, has_mask,
// has_recurrent_mask, activation, recurrent_activation (lstm, gru), reset_after (gru).
//
// <op>_grad(d_output, d_states..., x, kernel, recurrent, saved...[, initial states][, mask]
//   [, recurrent_mask]) -> [dx, d_kernel, d_recurrent, d_bias(, d_initial states)].
#include <functional>
#include <vector>

#include "cpu/gru.h"
#include "cpu/lstm.h"
#include "cpu/simple_rnn.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/recurrent_plan.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
RnnActivation parse_activation_name(const std::string& name, const InferContext* ctx) {
  if (name == "tanh") return RnnActivation::Tanh;
  if (name == "sigmoid") return RnnActivation::Sigmoid;
  if (name == "hard_sigmoid") return RnnActivation::HardSigmoid;
  if (name == "relu") return RnnActivation::Relu;
  if (name == "linear") return RnnActivation::Linear;
  std::string m = cat("unsupported recurrent activation '", name, "' (tanh, sigmoid, hard_sigmoid, relu, linear)");
  if (ctx) ctx->fail(m);
  fail(ErrorKind::Value, m);
}

// What differs between the cells; everything else (inputs, masks, states, saving,
// workspace, the backward wiring) is shared.
struct Cell {
  std::string name;
  int64_t gates, states;
  bool has_recurrent_activation, has_reset_after;
  // Widths (last dimension) of the saved (batch, time, width) outputs.
  std::function<std::vector<int64_t>(const RnnShape&)> saved_widths;
  std::function<int64_t(const RnnShape&)> forward_scratch, backward_scratch;
  std::function<void(const KernelContext&, const RnnPrepared&, const double* mask)> forward, backward;
};

RnnInputs rnn_inputs(const Attrs& attrs, size_t first_optional, int64_t states) {
  RnnInputs l;
  l.states = attrs.get_int("has_initial_state", 0) != 0 ? static_cast<size_t>(states) : 0;
  l.mask = attrs.get_int("has_mask", 0) != 0;
  l.recurrent_mask = attrs.get_int("has_recurrent_mask", 0) != 0;
  size_t next = first_optional;
  l.first_state = next;
  next += l.states;
  if (l.mask) l.mask_at = next++;
  if (l.recurrent_mask) l.recurrent_mask_at = next++;
  return l;
}

bool reset_after_of(const Cell& cell, const Attrs& attrs) {
  return cell.has_reset_after && attrs.get_int("reset_after", 1) != 0;
}

RnnShape shape_of(const Cell& cell, const Shape& x, const Shape& recurrent, const Attrs& attrs) {
  return {x[0],
          x[1],
          x[2],
          recurrent[0],
          attrs.get_int("go_backwards", 0) != 0,
          attrs.get_int("return_sequences", 0) != 0,
          attrs.get_int("zero_output_for_mask", 0) != 0,
          parse_activation_name(attrs.get_string("activation", "tanh"), nullptr),
          parse_activation_name(attrs.get_string("recurrent_activation", "sigmoid"), nullptr),
          reset_after_of(cell, attrs)};
}

// The mask as doubles, into `out` (workspace): kernels then read one type.
const double* mask_values(const Tensor& m, double* out) {
  for (int64_t i = 0; i < m.numel(); ++i) {
    switch (m.dtype()) {
      case DType::f32: out[i] = m.data<float>()[i]; break;
      case DType::f64: out[i] = m.data<double>()[i]; break;
      case DType::i32: out[i] = m.data<int32_t>()[i]; break;
      case DType::i64: out[i] = static_cast<double>(m.data<int64_t>()[i]); break;
    }
  }
  return out;
}

struct RnnDims {
  int64_t n, t, f, u, g;  // g = gates * units
};

// Checks x, kernel, recurrent kernel, the bias (when bias_at != 0) and the optional inputs
// of `l` wherever they sit, for the forward op and its gradient alike.
RnnDims check_operands(const Cell& cell, const InferContext& ctx, size_t x_at, size_t bias_at, const RnnInputs& l) {
  const int64_t G = cell.gates;
  const Shape &x = ctx.shape(x_at), &w = ctx.shape(x_at + 1), &r = ctx.shape(x_at + 2);
  ctx.require(x.size() == 3, "the input must be 3-D (batch, time, features)");
  ctx.require(r.size() == 2, "the recurrent kernel must be (units, ", G, "*units)");
  const int64_t u = r[0], g = checked_mul(G, u, "the gate count", &ctx);
  ctx.require(dims_compatible(r[1], g), "the recurrent kernel must be (units, ", G, "*units)");
  ctx.require(w.size() == 2 && dims_compatible(w[0], x[2]) && dims_compatible(w[1], g),
              "the kernel must be (features, ", G, "*units) = (", x[2], ", ", g, ")");
  if (bias_at) {
    const Shape& b = ctx.shape(bias_at);
    if (reset_after_of(cell, ctx.attrs())) {
      ctx.require(b.size() == 2 && dims_compatible(b[0], 2) && dims_compatible(b[1], g),
                  "with reset_after the bias must be (2, 3*units) = (2, ", g, ")");
    } else {
      ctx.require(b.size() == 1 && dims_compatible(b[0], g), "the bias must be (", G, "*units,) = (", g, ",)");
    }
  }
  for (size_t i = l.first_state; i < l.first_state + l.states; ++i) {
    ctx.require(ctx.dtype(i) == ctx.dtype(x_at), "the initial state must have the input's dtype");
    require_shape(ctx, i, {x[0], u}, "each initial state (batch, units)");
  }
  if (l.mask) require_shape(ctx, l.mask_at, {x[0], x[1]}, "the mask (batch, time)");
  if (l.recurrent_mask) {
    ctx.require(ctx.dtype(l.recurrent_mask_at) == ctx.dtype(x_at),
                "the recurrent dropout mask must have the input's dtype");
    require_shape(ctx, l.recurrent_mask_at, {x[0], u}, "the recurrent dropout mask (batch, units)");
  }
  parse_activation_name(ctx.attrs().get_string("activation", "tanh"), &ctx);
  if (cell.has_recurrent_activation)
    parse_activation_name(ctx.attrs().get_string("recurrent_activation", "sigmoid"), &ctx);
  return {x[0], x[1], x[2], u, g};
}

Shape output_shape(const Attrs& attrs, const RnnDims& d) {
  return attrs.get_int("return_sequences", 0) ? Shape{d.n, d.t, d.u} : Shape{d.n, d.u};
}

// The (batch, time, width) shapes of the saved activations.
std::vector<Shape> saved_shapes(const Cell& cell, const InferContext& ctx, size_t x_at) {
  const Shape &x = ctx.shape(x_at), &r = ctx.shape(x_at + 2);
  const RnnShape s = shape_of(cell, x, r, ctx.attrs());
  std::vector<Shape> shapes;
  for (int64_t width : cell.saved_widths(s)) shapes.push_back({x[0], x[1], r[0] < 0 ? -1 : width});
  return shapes;
}

std::vector<TensorSpec> infer_forward(const Cell& cell, const InferContext& ctx) {
  const RnnInputs l = rnn_inputs(ctx.attrs(), 4, cell.states);
  ctx.require(ctx.num_inputs() == 4 + l.count(),
              "the inputs do not match has_initial_state / has_mask / has_recurrent_mask");
  ctx.require_float(0);
  ctx.require_same_dtype(0, 4);
  const RnnDims d = check_operands(cell, ctx, 0, 3, l);
  const DType dt = ctx.dtype(0);
  std::vector<TensorSpec> out{{output_shape(ctx.attrs(), d), dt}};
  for (int64_t i = 0; i < cell.states; ++i) out.push_back({{d.n, d.u}, dt});
  for (const Shape& saved : saved_shapes(cell, ctx, 0)) out.push_back({saved, dt});
  return out;
}

// Backward inputs: d_output, d_states (S), x, kernel, recurrent, saved (K), optional inputs.
size_t grad_x_at(const Cell& cell) { return 1 + static_cast<size_t>(cell.states); }
size_t grad_first_optional(const Cell& cell, size_t saved) { return grad_x_at(cell) + 3 + saved; }

size_t saved_count(const Cell& cell) {
  RnnShape probe{1, 1, 1, 1, false, false, false, RnnActivation::Tanh, RnnActivation::Sigmoid, true};
  return cell.saved_widths(probe).size();
}

// The kernels' scratch in bytes. The CUDA kernels lay out a subset of the CPU's buffers,
// each rounded up to 256 bytes: kRnnDeviceSlack covers that rounding. Every cell's scratch
// is below 8 (B*T*u + B*u + u*(u + 64)) elements: that bound is overflow-checked before
// the cells compute their sizes (batch and steps may come from a file).
constexpr size_t kRnnDeviceSlack = 16 * 256;
size_t rnn_scratch_bytes(const Cell& cell, const RnnShape& s, DType dtype, bool backward) {
  const std::string what = cat("the ", cell.name, " scratch buffer");
  const int64_t B = s.batch, Tn = s.steps, U = s.units;
  const int64_t bound =
      checked_add(checked_add(checked_product({8, B, Tn, U}, 0, 4), checked_product({8, B, U}, 0, 3), what),
                  checked_product({8, U, checked_add(U, 64, what)}, 0, 3), what);
  scratch_bytes(bound, dtype, what);
  const int64_t elements = backward ? cell.backward_scratch(s) : cell.forward_scratch(s);
  return round_up(scratch_bytes(elements, dtype, what) + kRnnDeviceSlack, 64);
}

// The mask as doubles, after the scratch.
size_t mask_bytes(const Cell& cell, const RnnShape& s, const Attrs& attrs) {
  if (attrs.get_int("has_mask", 0) == 0) return 0;
  return scratch_bytes(checked_mul(s.batch, s.steps, "the mask"), DType::f64, cat("the ", cell.name, " mask"));
}

std::shared_ptr<const void> prepare(const Cell& cell, const PrepareContext& ctx, bool backward) {
  const size_t xi = backward ? grad_x_at(cell) : 0;
  const TensorSpec& x = ctx.inputs[xi];
  RnnShape s = shape_of(cell, x.shape, ctx.inputs[xi + 2].shape, ctx.attrs());
  const size_t first = backward ? grad_first_optional(cell, saved_count(cell)) : 4;
  return prepared_state(
      RnnPrepared{s, rnn_inputs(ctx.attrs(), first, cell.states), rnn_scratch_bytes(cell, s, x.dtype, backward)});
}

WorkspaceRule workspace(const Cell& cell, bool backward) {
  return [cell, backward](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    const size_t xi = backward ? grad_x_at(cell) : 0;
    const TensorSpec& x = in[xi];
    RnnShape s = shape_of(cell, x.shape, in[xi + 2].shape, attrs);
    return rnn_scratch_bytes(cell, s, x.dtype, backward) + mask_bytes(cell, s, attrs);
  };
}

std::vector<AttrSpec> attrs_of(const Cell& cell) {
  std::vector<AttrSpec> a = {{"return_sequences", AttrType::Int}, {"has_initial_state", AttrType::Int},
                             {"has_mask", AttrType::Int},         {"has_recurrent_mask", AttrType::Int},
                             {"go_backwards", AttrType::Int},     {"zero_output_for_mask", AttrType::Int},
                             {"activation", AttrType::String}};
  if (cell.has_recurrent_activation) a.push_back({"recurrent_activation", AttrType::String});
  if (cell.has_reset_after) a.push_back({"reset_after", AttrType::Int});
  return a;
}

const double* cpu_mask(const KernelContext& ctx, const RnnPrepared& p) {
  if (!p.inputs.mask) return nullptr;
  double* buffer = reinterpret_cast<double*>(static_cast<char*>(ctx.workspace) + p.mask_offset);
  return mask_values(ctx.inputs[p.inputs.mask_at], buffer);
}

void register_cell(const Cell& cell) {
  const size_t saved = saved_count(cell);
  const size_t S = static_cast<size_t>(cell.states);  // final states after the output
  OpDef fwd;
  fwd.name = cell.name;
  fwd.min_inputs = 4;
  fwd.max_inputs = 4 + cell.states + 2;
  fwd.attrs = attrs_of(cell);
  fwd.infer = [cell](const InferContext& ctx) { return infer_forward(cell, ctx); };
  fwd.saved_outputs_from = static_cast<int>(1 + S);
  fwd.workspace = workspace(cell, false);
  fwd.prepare = [cell](const PrepareContext& ctx) { return prepare(cell, ctx, false); };
  fwd.cpu = [cell](const KernelContext& ctx) {
    const RnnPrepared& p = ctx.prepared<RnnPrepared>();
    cell.forward(ctx, p, cpu_mask(ctx, p));
  };
  fwd.backward = [cell, saved, S](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const RnnInputs l = rnn_inputs(node.attrs, 4, cell.states);
    std::vector<ValueId> in(grads.begin(), grads.begin() + static_cast<std::ptrdiff_t>(1 + S));
    in.insert(in.end(), {node.inputs[0], node.inputs[1], node.inputs[2]});
    for (size_t i = 0; i < saved; ++i) in.push_back(node.outputs[1 + S + i]);
    for (size_t i = 0; i < l.states; ++i) in.push_back(node.inputs[l.first_state + i]);
    if (l.mask) in.push_back(node.inputs[l.mask_at]);
    if (l.recurrent_mask) in.push_back(node.inputs[l.recurrent_mask_at]);
    std::vector<ValueId> d = gb.emit_multi(cell.name + "_grad", in, node.attrs);
    std::vector<ValueId> result(d.begin(), d.begin() + 4);
    for (size_t i = 0; i < l.states; ++i) result.push_back(d[4 + i]);
    if (l.mask) result.push_back(kNoValue);
    if (l.recurrent_mask) result.push_back(kNoValue);  // a random mask: no gradient
    return result;
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = cell.name + "_grad";
  const size_t first = grad_first_optional(cell, saved);
  bwd.min_inputs = static_cast<int>(first);
  bwd.max_inputs = static_cast<int>(first + S + 2);
  bwd.attrs = attrs_of(cell);
  bwd.infer = [cell, first](const InferContext& ctx) -> std::vector<TensorSpec> {
    const RnnInputs l = rnn_inputs(ctx.attrs(), first, cell.states);
    ctx.require(ctx.num_inputs() == first + l.count(),
                "the inputs do not match has_initial_state / has_mask / has_recurrent_mask");
    const size_t xi = grad_x_at(cell);
    ctx.require_float(xi);
    ctx.require_same_dtype(0, first);  // the gradients, x, the kernels and the saved activations
    const RnnDims d = check_operands(cell, ctx, xi, 0, l);
    require_shape(ctx, 0, output_shape(ctx.attrs(), d), "the output's gradient");
    for (size_t i = 1; i < xi; ++i) require_shape(ctx, i, {d.n, d.u}, "each final state's gradient");
    const std::vector<Shape> saved = saved_shapes(cell, ctx, xi);
    for (size_t i = 0; i < saved.size(); ++i) require_shape(ctx, xi + 3 + i, saved[i], "each saved activation");
    const DType dt = ctx.dtype(xi);
    // d_bias has the bias's shape; the backward op does not read the bias, so rebuild it.
    std::vector<TensorSpec> out{{ctx.shape(xi), dt},
                                {ctx.shape(xi + 1), dt},
                                {ctx.shape(xi + 2), dt},
                                {reset_after_of(cell, ctx.attrs()) ? Shape{2, d.g} : Shape{d.g}, dt}};
    for (size_t i = 0; i < l.states; ++i) out.push_back({ctx.shape(l.first_state + i), dt});
    return out;
  };
  bwd.workspace = workspace(cell, true);
  bwd.prepare = [cell](const PrepareContext& ctx) { return prepare(cell, ctx, true); };
  bwd.cpu = [cell](const KernelContext& ctx) {
    const RnnPrepared& p = ctx.prepared<RnnPrepared>();
    cell.backward(ctx, p, cpu_mask(ctx, p));
  };
  register_op(std::move(bwd));
}

template <typename T>
const T* optional_input(const KernelContext& ctx, bool present, size_t at) {
  return present ? ctx.inputs[at].template data<T>() : nullptr;
}
template <typename T>
T* saved_output(const KernelContext& ctx, size_t i) {  // undefined in inference plans
  return ctx.outputs[i].defined() ? ctx.outputs[i].template data<T>() : nullptr;
}

Cell lstm_cell() {
  Cell c{"lstm", 4, 2, true, false, {}, cpu::lstm_forward_scratch, cpu::lstm_backward_scratch, {}, {}};
  c.saved_widths = [](const RnnShape& s) { return std::vector<int64_t>{4 * s.units, s.units, s.units}; };
  c.forward = [](const KernelContext& ctx, const RnnPrepared& p, const double* mask) {
    const RnnInputs& l = p.inputs;
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
      cpu::LstmForward<T> a{in(0),
                            in(1),
                            in(2),
                            in(3),
                            optional_input<T>(ctx, l.states, l.first_state),
                            optional_input<T>(ctx, l.states, l.first_state + 1),
                            mask,
                            optional_input<T>(ctx, l.recurrent_mask, l.recurrent_mask_at),
                            ctx.outputs[0].data<T>(),
                            ctx.outputs[1].data<T>(),
                            ctx.outputs[2].data<T>(),
                            saved_output<T>(ctx, 3),
                            saved_output<T>(ctx, 4),
                            saved_output<T>(ctx, 5),
                            static_cast<T*>(ctx.workspace)};
      cpu::lstm_forward<T>(p.shape, a);
    });
  };
  c.backward = [](const KernelContext& ctx, const RnnPrepared& p, const double* mask) {
    const RnnInputs& l = p.inputs;
    dispatch_float(ctx.inputs[3].dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
      cpu::LstmBackward<T> a{in(0),
                             in(1),
                             in(2),
                             in(3),
                             in(4),
                             in(5),
                             optional_input<T>(ctx, l.states, l.first_state),
                             optional_input<T>(ctx, l.states, l.first_state + 1),
                             mask,
                             optional_input<T>(ctx, l.recurrent_mask, l.recurrent_mask_at),
                             in(6),
                             in(7),
                             in(8),
                             ctx.outputs[0].data<T>(),
                             ctx.outputs[1].data<T>(),
                             ctx.outputs[2].data<T>(),
                             ctx.outputs[3].data<T>(),
                             l.states ? ctx.outputs[4].data<T>() : nullptr,
                             l.states ? ctx.outputs[5].data<T>() : nullptr,
                             static_cast<T*>(ctx.workspace)};
      cpu::lstm_backward<T>(p.shape, a);
    });
  };
  return c;
}

Cell gru_cell() {
  Cell c{"gru", 3, 1, true, true, {}, cpu::gru_forward_scratch, cpu::gru_backward_scratch, {}, {}};
  c.saved_widths = [](const RnnShape& s) { return std::vector<int64_t>{cpu::gru_saved_gate_width(s), s.units}; };
  c.forward = [](const KernelContext& ctx, const RnnPrepared& p, const double* mask) {
    const RnnInputs& l = p.inputs;
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
      cpu::GruForward<T> a{in(0),
                           in(1),
                           in(2),
                           in(3),
                           optional_input<T>(ctx, l.states, l.first_state),
                           mask,
                           optional_input<T>(ctx, l.recurrent_mask, l.recurrent_mask_at),
                           ctx.outputs[0].data<T>(),
                           ctx.outputs[1].data<T>(),
                           saved_output<T>(ctx, 2),
                           saved_output<T>(ctx, 3),
                           static_cast<T*>(ctx.workspace)};
      cpu::gru_forward<T>(p.shape, a);
    });
  };
  c.backward = [](const KernelContext& ctx, const RnnPrepared& p, const double* mask) {
    const RnnInputs& l = p.inputs;
    dispatch_float(ctx.inputs[2].dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
      cpu::GruBackward<T> a{in(0),
                            in(1),
                            in(2),
                            in(3),
                            in(4),
                            optional_input<T>(ctx, l.states, l.first_state),
                            mask,
                            optional_input<T>(ctx, l.recurrent_mask, l.recurrent_mask_at),
                            in(5),
                            in(6),
                            ctx.outputs[0].data<T>(),
                            ctx.outputs[1].data<T>(),
                            ctx.outputs[2].data<T>(),
                            ctx.outputs[3].data<T>(),
                            l.states ? ctx.outputs[4].data<T>() : nullptr,
                            static_cast<T*>(ctx.workspace)};
      cpu::gru_backward<T>(p.shape, a);
    });
  };
  return c;
}

Cell simple_rnn_cell() {
  Cell c{"simple_rnn", 1, 1, false, false, {}, cpu::simple_rnn_forward_scratch, cpu::simple_rnn_backward_scratch,
         {},           {}};
  c.saved_widths = [](const RnnShape& s) { return std::vector<int64_t>{s.units}; };
  c.forward = [](const KernelContext& ctx, const RnnPrepared& p, const double* mask) {
    const RnnInputs& l = p.inputs;
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
      cpu::SimpleRnnForward<T> a{in(0),
                                 in(1),
                                 in(2),
                                 in(3),
                                 optional_input<T>(ctx, l.states, l.first_state),
                                 mask,
                                 optional_input<T>(ctx, l.recurrent_mask, l.recurrent_mask_at),
                                 ctx.outputs[0].data<T>(),
                                 ctx.outputs[1].data<T>(),
                                 saved_output<T>(ctx, 2),
                                 static_cast<T*>(ctx.workspace)};
      cpu::simple_rnn_forward<T>(p.shape, a);
    });
  };
  c.backward = [](const KernelContext& ctx, const RnnPrepared& p, const double* mask) {
    const RnnInputs& l = p.inputs;
    dispatch_float(ctx.inputs[2].dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
      cpu::SimpleRnnBackward<T> a{in(0),
                                  in(1),
                                  in(2),
                                  in(3),
                                  in(4),
                                  optional_input<T>(ctx, l.states, l.first_state),
                                  mask,
                                  optional_input<T>(ctx, l.recurrent_mask, l.recurrent_mask_at),
                                  in(5),
                                  ctx.outputs[0].data<T>(),
                                  ctx.outputs[1].data<T>(),
                                  ctx.outputs[2].data<T>(),
                                  ctx.outputs[3].data<T>(),
                                  l.states ? ctx.outputs[4].data<T>() : nullptr,
                                  static_cast<T*>(ctx.workspace)};
      cpu::simple_rnn_backward<T>(p.shape, a);
    });
  };
  return c;
}
}  // namespace

void register_recurrent_ops() {
  register_cell(lstm_cell());
  register_cell(gru_cell());
  register_cell(simple_rnn_cell());
}

}  // namespace dagnet
