// lstm(x, kernel, recurrent_kernel, bias[, h0, c0][, mask][, recurrent_mask]) — see cpu/lstm.h.
//   x (batch, time, in); kernel (in, 4u); recurrent_kernel (u, 4u); bias (4u,);
//   h0, c0 (batch, u) when has_initial_state; mask (batch, time), any dtype, nonzero =
//   valid, when has_mask; recurrent_mask (batch, u), recurrent dropout's scaled 0/1 mask,
//   when has_recurrent_mask. attrs: return_sequences, has_initial_state, has_mask,
//   go_backwards (0/1), activation (tanh), recurrent_activation (sigmoid).
// Outputs: [output, h_T, c_T, gates, cells, hiddens]: output is (batch, time, u) with
// return_sequences else (batch, u); the last three are saved for the backward pass.
// lstm_grad(d_output, d_h, d_c, x, kernel, recurrent, gates, cells, hiddens[, h0, c0][, mask][, rmask])
//   -> [dx, d_kernel, d_recurrent, d_bias(, d_h0, d_c0)].
#include <vector>

#include "cpu/lstm.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
cpu::RnnActivation parse(const std::string& name, const InferContext* ctx) {
  if (name == "tanh") return cpu::RnnActivation::Tanh;
  if (name == "sigmoid") return cpu::RnnActivation::Sigmoid;
  if (name == "hard_sigmoid") return cpu::RnnActivation::HardSigmoid;
  if (name == "relu") return cpu::RnnActivation::Relu;
  if (name == "linear") return cpu::RnnActivation::Linear;
  std::string m = cat("unsupported recurrent activation '", name, "' (tanh, sigmoid, hard_sigmoid, relu, linear)");
  if (ctx) ctx->fail(m);
  fail(ErrorKind::Value, m);
}

struct Layout {  // where the optional inputs sit
  bool initial_state, mask, recurrent_mask;
  size_t h0 = 0, c0 = 0, mask_at = 0, recurrent_mask_at = 0;
  size_t count() const { return 2 * initial_state + mask + recurrent_mask; }
};
Layout layout(const Attrs& attrs, size_t first_optional) {
  Layout l{attrs.get_int("has_initial_state", 0) != 0, attrs.get_int("has_mask", 0) != 0,
           attrs.get_int("has_recurrent_mask", 0) != 0};
  size_t next = first_optional;
  if (l.initial_state) {
    l.h0 = next++;
    l.c0 = next++;
  }
  if (l.mask) l.mask_at = next++;
  if (l.recurrent_mask) l.recurrent_mask_at = next++;
  return l;
}

cpu::LstmShape shape_of(const Shape& x, const Shape& recurrent, const Attrs& attrs) {
  return {x[0],
          x[1],
          x[2],
          recurrent[0],
          attrs.get_int("go_backwards", 0) != 0,
          attrs.get_int("return_sequences", 0) != 0,
          parse(attrs.get_string("activation", "tanh"), nullptr),
          parse(attrs.get_string("recurrent_activation", "sigmoid"), nullptr)};
}

// The mask as doubles, into `out` (workspace).
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

std::vector<TensorSpec> infer_lstm(const InferContext& ctx) {
  Layout l = layout(ctx.attrs(), 4);
  ctx.require(ctx.num_inputs() == 4 + l.count(),
              "the inputs do not match has_initial_state / has_mask / has_recurrent_mask");
  ctx.require_float(0);
  ctx.require_same_dtype(0, 4);
  const Shape &x = ctx.shape(0), &w = ctx.shape(1), &r = ctx.shape(2), &b = ctx.shape(3);
  ctx.require(x.size() == 3, "the input must be 3-D (batch, time, features)");
  ctx.require(r.size() == 2 && (r[1] < 0 || r[0] < 0 || r[1] == 4 * r[0]),
              "the recurrent kernel must be (units, 4*units)");
  const int64_t u = r[0];
  ctx.require(w.size() == 2 && dims_compatible(w[0], x[2]) && dims_compatible(w[1], 4 * u),
              "the kernel must be (features, 4*units) = (", x[2], ", ", 4 * u, ")");
  ctx.require(b.size() == 1 && dims_compatible(b[0], 4 * u), "the bias must be (4*units,) = (", 4 * u, ",)");
  if (l.initial_state)
    for (size_t i : {l.h0, l.c0}) {
      ctx.require(ctx.dtype(i) == ctx.dtype(0), "the initial state must have the input's dtype");
      const Shape& s = ctx.shape(i);
      ctx.require(s.size() == 2 && dims_compatible(s[0], x[0]) && dims_compatible(s[1], u),
                  "each initial state must be (batch, units) = (", x[0], ", ", u, ")");
    }
  if (l.mask) {
    const Shape& m = ctx.shape(l.mask_at);
    ctx.require(m.size() == 2 && dims_compatible(m[0], x[0]) && dims_compatible(m[1], x[1]),
                "the mask must be (batch, time)");
  }
  if (l.recurrent_mask) {
    const Shape& m = ctx.shape(l.recurrent_mask_at);
    ctx.require(ctx.dtype(l.recurrent_mask_at) == ctx.dtype(0),
                "the recurrent dropout mask must have the input's dtype");
    ctx.require(m.size() == 2 && dims_compatible(m[0], x[0]) && dims_compatible(m[1], u),
                "the recurrent dropout mask must be (batch, units) = (", x[0], ", ", u, ")");
  }
  parse(ctx.attrs().get_string("activation", "tanh"), &ctx);
  parse(ctx.attrs().get_string("recurrent_activation", "sigmoid"), &ctx);
  const DType dt = ctx.dtype(0);
  Shape out = ctx.attrs().get_int("return_sequences", 0) ? Shape{x[0], x[1], u} : Shape{x[0], u};
  return {{out, dt},
          {{x[0], u}, dt},
          {{x[0], u}, dt},
          {{x[0], x[1], 4 * u}, dt},
          {{x[0], x[1], u}, dt},
          {{x[0], x[1], u}, dt}};
}

// Parsed once per plan. The kernels' scratch is the LSTM's own, then the mask as doubles.
struct LstmPrepared {
  cpu::LstmShape s;
  Layout l;
  size_t mask_offset;  // bytes into the workspace
};

std::shared_ptr<const void> prepare_lstm(const PrepareContext& ctx, bool backward) {
  const Shape& x = ctx.inputs[backward ? 3 : 0].shape;
  const Shape& recurrent = ctx.inputs[backward ? 5 : 2].shape;
  cpu::LstmShape s = shape_of(x, recurrent, ctx.attrs());
  const int64_t scratch = backward ? cpu::lstm_backward_scratch(s) : cpu::lstm_forward_scratch(s);
  return prepared_state(
      LstmPrepared{s, layout(ctx.attrs(), backward ? 9 : 4),
                   round_up(static_cast<size_t>(scratch) * dtype_size(ctx.inputs[backward ? 3 : 0].dtype), 64)});
}

WorkspaceRule lstm_workspace(bool backward) {
  return [backward](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    const TensorSpec& x = in[backward ? 3 : 0];
    cpu::LstmShape s = shape_of(x.shape, in[backward ? 5 : 2].shape, attrs);
    const int64_t scratch = backward ? cpu::lstm_backward_scratch(s) : cpu::lstm_forward_scratch(s);
    const bool mask = attrs.get_int("has_mask", 0) != 0;
    return round_up(static_cast<size_t>(scratch) * dtype_size(x.dtype), 64) +
           (mask ? static_cast<size_t>(s.batch * s.steps) * sizeof(double) : 0);
  };
}

const std::vector<AttrSpec> kAttrs = {
    {"return_sequences", AttrType::Int},       {"has_initial_state", AttrType::Int}, {"has_mask", AttrType::Int},
    {"has_recurrent_mask", AttrType::Int},     {"go_backwards", AttrType::Int},      {"activation", AttrType::String},
    {"recurrent_activation", AttrType::String}};
}  // namespace

void register_lstm_ops() {
  OpDef fwd;
  fwd.name = "lstm";
  fwd.min_inputs = 4;
  fwd.max_inputs = 8;
  fwd.attrs = kAttrs;
  fwd.infer = infer_lstm;
  fwd.saved_outputs_from = 3;
  fwd.workspace = lstm_workspace(false);
  fwd.prepare = [](const PrepareContext& ctx) { return prepare_lstm(ctx, false); };
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor& x = ctx.inputs[0];
    const LstmPrepared& p = ctx.prepared<LstmPrepared>();
    const cpu::LstmShape& s = p.s;
    const Layout& l = p.l;
    double* mask_buffer = reinterpret_cast<double*>(static_cast<char*>(ctx.workspace) + p.mask_offset);
    const double* mask = l.mask ? mask_values(ctx.inputs[l.mask_at], mask_buffer) : nullptr;
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto saved = [](const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; };  // null in inference plans
      cpu::LstmForward<T> a{x.data<T>(),
                            ctx.inputs[1].data<T>(),
                            ctx.inputs[2].data<T>(),
                            ctx.inputs[3].data<T>(),
                            l.initial_state ? ctx.inputs[l.h0].data<T>() : nullptr,
                            l.initial_state ? ctx.inputs[l.c0].data<T>() : nullptr,
                            mask,
                            l.recurrent_mask ? ctx.inputs[l.recurrent_mask_at].data<T>() : nullptr,
                            ctx.outputs[0].data<T>(),
                            ctx.outputs[1].data<T>(),
                            ctx.outputs[2].data<T>(),
                            saved(ctx.outputs[3]),
                            saved(ctx.outputs[4]),
                            saved(ctx.outputs[5]),
                            static_cast<T*>(ctx.workspace)};
      cpu::lstm_forward<T>(s, a);
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    Layout l = layout(node.attrs, 4);
    std::vector<ValueId> in{grads[0],       grads[1],        grads[2],        node.inputs[0], node.inputs[1],
                            node.inputs[2], node.outputs[3], node.outputs[4], node.outputs[5]};
    if (l.initial_state) {
      in.push_back(node.inputs[l.h0]);
      in.push_back(node.inputs[l.c0]);
    }
    if (l.mask) in.push_back(node.inputs[l.mask_at]);
    if (l.recurrent_mask) in.push_back(node.inputs[l.recurrent_mask_at]);
    std::vector<ValueId> d = gb.emit_multi("lstm_grad", in, node.attrs);
    std::vector<ValueId> result{d[0], d[1], d[2], d[3]};
    if (l.initial_state) {
      result.push_back(d[4]);
      result.push_back(d[5]);
    }
    if (l.mask) result.push_back(kNoValue);
    if (l.recurrent_mask) result.push_back(kNoValue);  // a random mask: no gradient
    return result;
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "lstm_grad";
  bwd.min_inputs = 9;
  bwd.max_inputs = 13;
  bwd.attrs = kAttrs;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    Layout l = layout(ctx.attrs(), 9);
    ctx.require(ctx.num_inputs() == 9 + l.count(),
                "the inputs do not match has_initial_state / has_mask / has_recurrent_mask");
    const DType dt = ctx.dtype(3);
    std::vector<TensorSpec> out{{ctx.shape(3), dt}, {ctx.shape(4), dt}, {ctx.shape(5), dt}, {{ctx.shape(4)[1]}, dt}};
    if (l.initial_state) {
      out.push_back({ctx.shape(l.h0), dt});
      out.push_back({ctx.shape(l.c0), dt});
    }
    return out;
  };
  bwd.workspace = lstm_workspace(true);
  bwd.prepare = [](const PrepareContext& ctx) { return prepare_lstm(ctx, true); };
  bwd.cpu = [](const KernelContext& ctx) {
    const Tensor& x = ctx.inputs[3];
    const LstmPrepared& p = ctx.prepared<LstmPrepared>();
    const cpu::LstmShape& s = p.s;
    const Layout& l = p.l;
    double* mask_buffer = reinterpret_cast<double*>(static_cast<char*>(ctx.workspace) + p.mask_offset);
    const double* mask = l.mask ? mask_values(ctx.inputs[l.mask_at], mask_buffer) : nullptr;
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
      cpu::LstmBackward<T> a{in(0),
                             in(1),
                             in(2),
                             in(3),
                             in(4),
                             in(5),
                             l.initial_state ? in(l.h0) : nullptr,
                             l.initial_state ? in(l.c0) : nullptr,
                             mask,
                             l.recurrent_mask ? in(l.recurrent_mask_at) : nullptr,
                             in(6),
                             in(7),
                             in(8),
                             ctx.outputs[0].data<T>(),
                             ctx.outputs[1].data<T>(),
                             ctx.outputs[2].data<T>(),
                             ctx.outputs[3].data<T>(),
                             l.initial_state ? ctx.outputs[4].data<T>() : nullptr,
                             l.initial_state ? ctx.outputs[5].data<T>() : nullptr,
                             static_cast<T*>(ctx.workspace)};
      cpu::lstm_backward<T>(s, a);
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
