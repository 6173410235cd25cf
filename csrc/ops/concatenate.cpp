// concatenate: joins n >= 1 tensors along `axis` (default -1); all other dims agree.
// split_like: the inverse, used by concatenate's backward. Its inputs are the tensor to
// split and the pieces' originals, read for their shapes only.
#include "cpu/concat.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
std::vector<int64_t> piece_widths(const std::vector<Shape>& pieces, int axis) {
  std::vector<int64_t> widths;
  for (const Shape& s : pieces) widths.push_back(product(s, axis, s.size()));
  return widths;
}

std::vector<TensorSpec> infer_concatenate(const InferContext& ctx) {
  ctx.require_same_dtype(0, ctx.num_inputs());
  const Shape& first = ctx.shape(0);
  ctx.require(!first.empty(), "cannot concatenate scalars");
  int axis = normalize_axis(ctx.attrs().get_int("axis", -1), first.size(), ctx.where());
  Shape out = first;
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.shape(i);
    bool ok = s.size() == first.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = d == static_cast<size_t>(axis) || dims_compatible(s[d], out[d]);
    ctx.require(ok, "inputs must match in every axis except the concatenation axis ", axis, ", but input ", i,
                " has shape ", shape_str(s), " and input 0 has ", shape_str(first));
    for (size_t d = 0; d < s.size(); ++d)
      if (d != static_cast<size_t>(axis)) out[d] = merge_dim(out[d], s[d]);
    out[axis] = checked_add(out[axis], s[axis], "the concatenated axis", &ctx);
  }
  return {{out, ctx.dtype(0)}};
}
}  // namespace

void register_concatenate_ops() {
  OpDef cat_op;
  cat_op.name = "concatenate";
  cat_op.min_inputs = 1;
  cat_op.max_inputs = -1;
  cat_op.attrs = {{"axis", AttrType::Int}};
  cat_op.infer = infer_concatenate;
  cat_op.cpu = [](const KernelContext& ctx) {
    const Tensor& out = ctx.outputs[0];
    int axis = normalize_axis(ctx.attrs().get_int("axis", -1), out.rank(), "concatenate");
    std::vector<Shape> shapes;
    std::vector<const void*> ptrs;
    for (const Tensor& t : ctx.inputs) {
      shapes.push_back(t.shape());
      ptrs.push_back(t.raw());
    }
    cpu::concat_bytes(ptrs, piece_widths(shapes, axis), product(out.shape(), 0, axis), dtype_size(out.dtype()),
                      out.raw());
  };
  cat_op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    std::vector<ValueId> inputs{grads[0]};
    inputs.insert(inputs.end(), node.inputs.begin(), node.inputs.end());
    return gb.emit_multi("split_like", inputs, node.attrs);
  };
  register_op(std::move(cat_op));

  OpDef split;
  split.name = "split_like";
  split.min_inputs = 2;
  split.max_inputs = -1;
  split.attrs = {{"axis", AttrType::Int}};
  split.shape_only_from = 1;
  split.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const Shape& whole = ctx.shape(0);
    ctx.require(!whole.empty(), "cannot split a scalar");
    int axis = normalize_axis(ctx.attrs().get_int("axis", -1), whole.size(), ctx.where());
    std::vector<TensorSpec> outs;
    for (size_t i = 1; i < ctx.num_inputs(); ++i) {
      Shape s = ctx.shape(i);
      ctx.require(s.size() == whole.size(), "piece ", i - 1, " has rank ", s.size(), ", expected ", whole.size());
      for (size_t d = 0; d < s.size(); ++d) {
        if (d == static_cast<size_t>(axis)) continue;
        ctx.require(dims_compatible(s[d], whole[d]), "piece ", i - 1, " of shape ", shape_str(ctx.shape(i)),
                    " does not match the whole's shape ", shape_str(whole), " outside axis ", axis);
        s[d] = merge_dim(s[d], whole[d]);
      }
      outs.push_back({s, ctx.dtype(0)});
    }
    int64_t total = 0;
    for (const auto& o : outs) total = checked_add(total, o.shape[axis], "the pieces' total", &ctx);
    ctx.require(dims_compatible(total, whole[axis]), "pieces add up to ", total, " along axis ", axis, ", not ",
                whole[axis]);
    return outs;
  };
  split.cpu = [](const KernelContext& ctx) {
    const Tensor& in = ctx.inputs[0];
    int axis = normalize_axis(ctx.attrs().get_int("axis", -1), in.rank(), "split_like");
    std::vector<Shape> shapes;
    std::vector<void*> ptrs;
    for (const Tensor& t : ctx.outputs) {
      shapes.push_back(t.shape());
      ptrs.push_back(t.raw());
    }
    cpu::split_bytes(in.raw(), piece_widths(shapes, axis), product(in.shape(), 0, axis), dtype_size(in.dtype()), ptrs);
  };
  register_op(std::move(split));
}

}  // namespace dagnet
