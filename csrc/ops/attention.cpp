// attention(q, k, v[, counter][, mask]) attrs scale, causal, dropout, seed, zero_masked_rows,
// has_mask: fused scaled dot-product attention in Keras's MultiHeadAttention layouts
// (ops/attention_layout.h): q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv) ->
// [out (B, T, N, Hv), probs (B, N, T, S)]. probs (the softmax before dropout, Keras's
// attention scores) is a saved output: computed only when the plan keeps it.
// `counter` (an int64 scalar from rng_draw) is present when dropout > 0; `mask` (q's dtype,
// rank 4, each axis 1 or full, nonzero = attend) when has_mask.
// attention_grad(dout, q, k, v, probs[, counter][, mask][, dprobs]) -> [dq, dk, dv].
#include <algorithm>

#include "cpu/attention.h"
#include "ops/attention_layout.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
const std::vector<AttrSpec> kAttentionAttrs = {{"scale", AttrType::Float},       {"causal", AttrType::Int},
                                               {"dropout", AttrType::Float},     {"seed", AttrType::Int},
                                               {"has_mask", AttrType::Int},      {"zero_masked_rows", AttrType::Int},
                                               {"has_probs_grad", AttrType::Int}};

// The attention geometry of q, k, v (and the mask's broadcast strides, when its shape is given).
AttentionShape attention_shape_of(const Shape& q, const Shape& k, const Shape& v, const Shape* mask,
                                  const Attrs& attrs) {
  AttentionShape s;
  s.batch = merge_dim(q[0], merge_dim(k[0], v[0]));
  s.q_len = q[1];
  s.kv_len = merge_dim(k[1], v[1]);
  s.heads = merge_dim(q[2], merge_dim(k[2], v[2]));
  s.key_dim = merge_dim(q[3], k[3]);
  s.value_dim = v[3];
  s.causal = attrs.get_int("causal", 0) != 0;
  s.zero_masked_rows = attrs.get_int("zero_masked_rows", 0) != 0;
  s.scale = attrs.get_float("scale", 1.0);
  s.dropout = attrs.get_float("dropout", 0.0);
  s.seed = attrs.get_int("seed", 0);
  s.has_mask = attrs.get_int("has_mask", 0) != 0;
  s.has_probs_grad = attrs.get_int("has_probs_grad", 0) != 0;
  if (mask) {
    const int64_t full[4] = {s.batch, s.heads, s.q_len, s.kv_len};
    int64_t stride = 1;
    for (int d = 3; d >= 0; --d) {
      s.mask_stride[d] = ((*mask)[d] == 1 && full[d] != 1) ? 0 : stride;
      stride *= (*mask)[d];
    }
  }
  return s;
}

// From specs (workspace and prepare rules): q, k, v at `first`, optional operands after `leading`.
AttentionShape attention_shape_of(const std::vector<TensorSpec>& in, size_t first, int leading, const Attrs& attrs) {
  const int mask =
      attention_shape_of(in[first].shape, in[first + 1].shape, in[first + 2].shape, nullptr, attrs).mask_input(leading);
  return attention_shape_of(in[first].shape, in[first + 1].shape, in[first + 2].shape,
                            mask >= 0 ? &in[mask].shape : nullptr, attrs);
}

WorkspaceRule attention_workspace(size_t first, int leading, bool backward) {
  return [=](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs& attrs) {
    const AttentionShape s = attention_shape_of(in, first, leading, attrs);
    const int64_t host = backward ? cpu::attention_backward_scratch(s) : cpu::attention_forward_scratch(s);
    const int64_t device = attention_device_scratch_elements(s, backward);
    return static_cast<size_t>(std::max(host, device)) * dtype_size(in[first].dtype) +
           static_cast<size_t>(attention_device_pointer_bytes(s));
  };
}

// Checks q, k, v (inputs first..first+2) and the optional operands; returns the geometry.
AttentionShape check_attention(const InferContext& ctx, size_t first, int leading) {
  for (size_t i = first; i < first + 3 && i < ctx.num_inputs(); ++i) {
    ctx.require_float(i);
    ctx.require(ctx.shape(i).size() == 4, "query, key and value must have rank 4 (batch, length, heads, dim); got ",
                shape_str(ctx.shape(i)));
  }
  ctx.require(ctx.num_inputs() >= first + 3, "expected query, key and value");
  ctx.require_same_dtype(first, first + 3);
  const Shape &q = ctx.shape(first), &k = ctx.shape(first + 1), &v = ctx.shape(first + 2);
  ctx.require(dims_compatible(q[0], k[0]) && dims_compatible(q[0], v[0]), "batch sizes differ: query ", shape_str(q),
              ", key ", shape_str(k), ", value ", shape_str(v));
  ctx.require(dims_compatible(k[1], v[1]), "key and value lengths differ: key ", shape_str(k), ", value ",
              shape_str(v));
  ctx.require(dims_compatible(q[2], k[2]) && dims_compatible(q[2], v[2]), "head counts differ: query ", shape_str(q),
              ", key ", shape_str(k), ", value ", shape_str(v));
  ctx.require(dims_compatible(q[3], k[3]), "query and key sizes per head differ: query ", shape_str(q), ", key ",
              shape_str(k));
  const AttentionShape s = attention_shape_of(q, k, v, nullptr, ctx.attrs());
  ctx.require(s.dropout >= 0 && s.dropout < 1, "dropout must be in [0, 1), got ", s.dropout);
  ctx.require(static_cast<int>(ctx.num_inputs()) == s.input_count(leading), "expected ", s.input_count(leading),
              " inputs for these attributes (dropout ", s.dropout, ", has_mask ", s.has_mask, "), got ",
              ctx.num_inputs());
  if (const int c = s.counter_input(leading); c >= 0)
    ctx.require(ctx.shape(c).empty() && ctx.dtype(c) == DType::i64, "the dropout counter must be an int64 scalar, got ",
                shape_str(ctx.shape(c)));
  if (const int m = s.mask_input(leading); m >= 0) {
    const Shape& mask = ctx.shape(m);
    ctx.require(ctx.dtype(m) == ctx.dtype(first), "the mask must have the query's dtype");
    ctx.require(mask.size() == 4, "the mask must have rank 4 (batch, heads, query, key), got ", shape_str(mask));
    const Shape full = {s.batch, s.heads, s.q_len, s.kv_len};
    for (int d = 0; d < 4; ++d)
      ctx.require(mask[d] == 1 || dims_compatible(mask[d], full[d]), "mask shape ", shape_str(mask),
                  " does not broadcast to the attention shape ", shape_str(full),
                  " (batch, heads, query, key): each axis must be 1 or match");
  }
  return s;
}

bool same_shape(const Shape& got, const Shape& want) {
  if (got.size() != want.size()) return false;
  for (size_t d = 0; d < got.size(); ++d)
    if (!dims_compatible(got[d], want[d])) return false;
  return true;
}

template <typename T>
const T* optional_input(const KernelContext& ctx, int index) {
  return index >= 0 ? ctx.inputs[index].data<T>() : nullptr;
}

// The CPU kernels' scratch: the whole workspace (the device's pointer arrays are unused here).
template <typename T>
int64_t host_scratch_elements(const KernelContext& ctx) {
  return static_cast<int64_t>(ctx.workspace_bytes / sizeof(T));
}

int64_t counter_of(const KernelContext& ctx, int index) { return index >= 0 ? *ctx.inputs[index].data<int64_t>() : 0; }
}  // namespace

void register_attention_ops() {
  OpDef fwd;
  fwd.name = "attention";
  fwd.min_inputs = 3;
  fwd.max_inputs = 5;
  fwd.attrs = kAttentionAttrs;
  fwd.saved_outputs_from = 1;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.attrs().get_int("has_probs_grad", 0) == 0, "has_probs_grad is an attribute of attention_grad");
    AttentionShape s = check_attention(ctx, 0, 3);
    return {{{s.batch, s.q_len, s.heads, s.value_dim}, ctx.dtype(0)},
            {{s.batch, s.heads, s.q_len, s.kv_len}, ctx.dtype(0)}};
  };
  fwd.prepare = [](const PrepareContext& ctx) {
    return prepared_state(attention_shape_of(ctx.inputs, 0, 3, ctx.attrs()));
  };
  fwd.workspace = attention_workspace(0, 3, false);
  fwd.cpu = [](const KernelContext& ctx) {
    const AttentionShape& s = ctx.prepared<AttentionShape>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      const Tensor& probs = ctx.outputs[1];
      cpu::attention_forward<T>(s, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[2].data<T>(),
                                optional_input<T>(ctx, s.mask_input(3)), counter_of(ctx, s.counter_input(3)),
                                ctx.outputs[0].data<T>(), probs.defined() ? probs.data<T>() : nullptr,
                                static_cast<T*>(ctx.workspace), host_scratch_elements<T>(ctx));
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const AttentionShape s = attention_shape_of(gb.spec(node.inputs[0]).shape, gb.spec(node.inputs[1]).shape,
                                                gb.spec(node.inputs[2]).shape, nullptr, node.attrs);
    std::vector<ValueId> inputs = {grads[0], node.inputs[0], node.inputs[1], node.inputs[2], node.outputs[1]};
    if (s.counter_input(3) >= 0) inputs.push_back(node.inputs[s.counter_input(3)]);
    if (s.mask_input(3) >= 0) inputs.push_back(node.inputs[s.mask_input(3)]);
    Attrs attrs = node.attrs;
    // A gradient reaching the probabilities themselves (return_attention_scores used in a
    // loss); autodiff's zero fill for an unused output is skipped.
    const NodeId producer = gb.graph().value(grads[1]).producer;
    const bool zero = producer >= 0 && gb.graph().node(producer).op->name == "fill_like" &&
                      gb.graph().node(producer).attrs.get_float("value", 1.0) == 0.0;
    if (!zero) {
      inputs.push_back(grads[1]);
      attrs.set("has_probs_grad", int64_t{1});
    }
    std::vector<ValueId> d = gb.emit_multi("attention_grad", inputs, attrs);
    std::vector<ValueId> result = {d[0], d[1], d[2]};
    result.resize(node.inputs.size(), kNoValue);
    return result;
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "attention_grad";
  bwd.min_inputs = 5;
  bwd.max_inputs = 8;
  bwd.attrs = kAttentionAttrs;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    AttentionShape s = check_attention(ctx, 1, 5);
    ctx.require_same_dtype(0, 2);
    ctx.require_same_dtype(3, 5);
    const Shape out = {s.batch, s.q_len, s.heads, s.value_dim}, probs = {s.batch, s.heads, s.q_len, s.kv_len};
    ctx.require(same_shape(ctx.shape(0), out), "the output gradient has shape ", shape_str(ctx.shape(0)), ", expected ",
                shape_str(out));
    ctx.require(same_shape(ctx.shape(4), probs), "the probabilities have shape ", shape_str(ctx.shape(4)),
                ", expected ", shape_str(probs));
    if (const int d = s.probs_grad_input(5); d >= 0) {
      ctx.require(ctx.dtype(d) == ctx.dtype(0), "the probabilities' gradient must have the query's dtype");
      ctx.require(same_shape(ctx.shape(d), probs), "the probabilities' gradient has shape ", shape_str(ctx.shape(d)),
                  ", expected ", shape_str(probs));
    }
    return {{ctx.shape(1), ctx.dtype(1)}, {ctx.shape(2), ctx.dtype(2)}, {ctx.shape(3), ctx.dtype(3)}};
  };
  bwd.prepare = [](const PrepareContext& ctx) {
    return prepared_state(attention_shape_of(ctx.inputs, 1, 5, ctx.attrs()));
  };
  bwd.workspace = attention_workspace(1, 5, true);
  bwd.cpu = [](const KernelContext& ctx) {
    const AttentionShape& s = ctx.prepared<AttentionShape>();
    dispatch_float(ctx.inputs[0].dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::attention_backward<T>(
          s, ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), ctx.inputs[2].data<T>(), ctx.inputs[3].data<T>(),
          optional_input<T>(ctx, s.mask_input(5)), counter_of(ctx, s.counter_input(5)), ctx.inputs[4].data<T>(),
          optional_input<T>(ctx, s.probs_grad_input(5)), ctx.outputs[0].data<T>(), ctx.outputs[1].data<T>(),
          ctx.outputs[2].data<T>(), static_cast<T*>(ctx.workspace), host_scratch_elements<T>(ctx));
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
