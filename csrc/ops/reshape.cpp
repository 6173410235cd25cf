// Shape-only ops; their outputs usually take over the input's buffer (in place), so
// they cost nothing but a plan entry.
//   reshape(x)                 attr shape: full target shape; one -1 is inferred, 0 copies
//                              the input's dim at that position (ONNX convention)
//   reshape_like(y, like)      y's data with like's shape (like read for its shape only)
//   merge_leading_axes(x)      (B, T, ...) -> (B*T, ...)        TimeDistributed's fold
//   split_leading_axes(y, like) (B*T, ...) -> (B, T, ...) with B, T from like
//   stop_gradient(x)           x itself, a constant to autodiff (keras.ops.stop_gradient)
//   bitcast(x)                 attr dtype: x's bytes read as dtype (keras.ops.view); a
//                              different item size rescales the last axis, as NumPy's view
#include <cstring>

#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void copy_if_moved(const KernelContext& ctx) {
  const Tensor &in = ctx.inputs[0], &out = ctx.outputs[0];
  if (in.raw() != out.raw() && out.nbytes()) std::memcpy(out.raw(), in.raw(), out.nbytes());
}

int64_t known_product(const Shape& s, size_t begin, size_t end) { return checked_product(s, begin, end); }

std::vector<TensorSpec> infer_reshape(const InferContext& ctx) {
  const Shape& in = ctx.shape(0);
  std::vector<int64_t> target = ctx.attrs().get_ints("shape", {});
  Shape out(target.size());
  int infer_at = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t t = target[i];
    if (t == -1) {
      ctx.require(infer_at < 0, "at most one dimension of the target shape may be -1, got ", shape_str(target));
      infer_at = static_cast<int>(i);
    } else if (t == 0) {
      ctx.require(i < in.size(), "target dimension ", i, " is 0 (copy the input's), but the input has rank ",
                  in.size());
      out[i] = in[i];
    } else {
      ctx.require(t > 0, "invalid target dimension ", t);
      out[i] = t;
    }
  }
  // Dims copied with 0 cancel out, so (None, 3, 4) -> [0, -1] infers 12 even with the
  // batch unknown: compare the products of the dims that are not copied.
  int64_t in_rest = 1, out_rest = 1;
  for (size_t i = 0; i < in.size(); ++i) {
    bool copied = i < target.size() && target[i] == 0;
    if (!copied) in_rest = checked_mul(in_rest, in[i], "the element count", &ctx);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (static_cast<int>(i) == infer_at || target[i] == 0) continue;
    out_rest = checked_mul(out_rest, out[i], "the target's element count", &ctx);
  }
  if (infer_at >= 0) {
    if (in_rest >= 0 && out_rest > 0) {
      ctx.require(in_rest % out_rest == 0, "cannot reshape ", in_rest, " elements into target shape ",
                  shape_str(target));
      out[infer_at] = in_rest / out_rest;
    } else {
      out[infer_at] = in_rest == 0 ? 0 : kUnknownDim;
    }
  } else if (in_rest >= 0 && out_rest >= 0) {
    ctx.require(in_rest == out_rest, "cannot reshape ", in_rest, " elements into target shape ", shape_str(out));
  }
  return {{out, ctx.dtype(0)}};
}

std::vector<ValueId> back_to_input_shape(GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
  std::vector<ValueId> result(node.inputs.size(), kNoValue);
  result[0] = gb.emit("reshape_like", {grads[0], node.inputs[0]});
  return result;
}

OpDef shape_op(const std::string& name, int inputs) {
  OpDef op;
  op.name = name;
  op.min_inputs = op.max_inputs = inputs;
  op.inplace_input = 0;
  op.cpu = copy_if_moved;
  if (inputs == 2) op.shape_only_from = 1;
  return op;
}
}  // namespace

void register_reshape_ops() {
  OpDef reshape = shape_op("reshape", 1);
  reshape.attrs = {{"shape", AttrType::IntList}};
  reshape.infer = infer_reshape;
  reshape.backward = back_to_input_shape;
  register_op(std::move(reshape));

  OpDef like = shape_op("reshape_like", 2);
  like.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    int64_t a = known_product(ctx.shape(0), 0, ctx.shape(0).size());
    int64_t b = known_product(ctx.shape(1), 0, ctx.shape(1).size());
    ctx.require(a < 0 || b < 0 || a == b, "element counts differ: ", a, " vs ", b);
    return {{ctx.shape(1), ctx.dtype(0)}};
  };
  like.backward = back_to_input_shape;
  register_op(std::move(like));

  OpDef merge = shape_op("merge_leading_axes", 1);
  merge.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const Shape& s = ctx.shape(0);
    ctx.require(s.size() >= 2, "needs an input of rank >= 2 (batch, time, ...)");
    Shape out{checked_mul(s[0], s[1], "the merged axis", &ctx)};
    out.insert(out.end(), s.begin() + 2, s.end());
    return {{out, ctx.dtype(0)}};
  };
  merge.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit("split_leading_axes", {grads[0], node.inputs[0]})};
  };
  register_op(std::move(merge));

  OpDef split = shape_op("split_leading_axes", 2);
  split.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const Shape &y = ctx.shape(0), &like = ctx.shape(1);
    ctx.require(!y.empty() && like.size() >= 2, "needs a folded input and a reference of rank >= 2");
    int64_t folded = checked_mul(like[0], like[1], "the folded axis", &ctx);
    ctx.require(dims_compatible(folded, y[0]), "the folded axis has ", y[0],
                " rows, but the reference's first "
                "two axes hold ",
                folded);
    Shape out{like[0], like[1]};
    out.insert(out.end(), y.begin() + 1, y.end());
    return {{out, ctx.dtype(0)}};
  };
  split.backward = [](GradBuilder& gb, const Node&, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{gb.emit("merge_leading_axes", {grads[0]}), kNoValue};
  };
  register_op(std::move(split));

  OpDef stop = shape_op("stop_gradient", 1);
  stop.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> { return {{ctx.shape(0), ctx.dtype(0)}}; };
  stop.backward = [](GradBuilder&, const Node&, const std::vector<ValueId>&) {
    return std::vector<ValueId>{kNoValue};  // nothing flows back through it
  };
  register_op(std::move(stop));

  OpDef bitcast = shape_op("bitcast", 1);
  bitcast.attrs = {{"dtype", AttrType::String}};
  bitcast.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const DType to = dtype_from_name(ctx.attrs().get_string("dtype", "float32"));
    const size_t from_size = dtype_size(ctx.dtype(0)), to_size = dtype_size(to);
    Shape out = ctx.shape(0);
    if (from_size != to_size) {
      ctx.require(!out.empty() && out.back() >= 0, "viewing ", dtype_name(ctx.dtype(0)), " as ", dtype_name(to),
                  " rescales the last axis, which must be known");
      const int64_t bytes = out.back() * static_cast<int64_t>(from_size);
      ctx.require(bytes % static_cast<int64_t>(to_size) == 0, "the last axis holds ", bytes,
                  " bytes, not a whole number of ", dtype_name(to), " items");
      out.back() = bytes / static_cast<int64_t>(to_size);
    }
    return {{out, to}};
  };
  bitcast.backward = [](GradBuilder&, const Node&, const std::vector<ValueId>&) {
    return std::vector<ValueId>{kNoValue};  // a reinterpretation of bits has no derivative
  };
  register_op(std::move(bitcast));
}

}  // namespace dagnet
