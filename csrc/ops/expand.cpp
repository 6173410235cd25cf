// expand_dims(x) attr axis (in the output's axes; -1 appends); squeeze(x) attr axes
// (empty = every axis of size 1; squeezing an axis that is not 1 is an error). Both are
// views (their output takes over the input's buffer); backward: reshape_like.
// stack(x1, ..., xn) attr axis: a new axis of size n; backward slices each piece out.
#include <cstring>

#include "cpu/concat.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
void copy_if_moved(const KernelContext& ctx) {
  const Tensor &in = ctx.inputs[0], &out = ctx.outputs[0];
  if (in.raw() != out.raw() && out.nbytes()) std::memcpy(out.raw(), in.raw(), out.nbytes());
}

std::vector<ValueId> to_input_shape(GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
  return {gb.emit("reshape_like", {grads[0], node.inputs[0]})};
}
}  // namespace

void register_expand_ops() {
  OpDef expand;
  expand.name = "expand_dims";
  expand.attrs = {{"axis", AttrType::Int}};
  expand.inplace_input = 0;
  expand.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    Shape out = ctx.shape(0);
    int axis = normalize_axis(ctx.attrs().get_int("axis", -1), out.size() + 1, ctx.where());
    out.insert(out.begin() + axis, 1);
    return {{out, ctx.dtype(0)}};
  };
  expand.cpu = copy_if_moved;
  expand.backward = to_input_shape;
  register_op(std::move(expand));

  OpDef squeeze;
  squeeze.name = "squeeze";
  squeeze.attrs = {{"axes", AttrType::IntList}};
  squeeze.inplace_input = 0;
  squeeze.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    const Shape& in = ctx.shape(0);
    std::vector<int64_t> axes = ctx.attrs().get_ints("axes", {});
    std::vector<bool> drop(in.size(), false);
    if (axes.empty()) {
      for (size_t d = 0; d < in.size(); ++d) drop[d] = in[d] == 1;
    } else {
      for (int64_t a : axes) {
        int n = normalize_axis(a, in.size(), ctx.where());
        ctx.require(in[n] == 1 || in[n] < 0, "cannot squeeze axis ", a, " of size ", in[n]);
        drop[n] = true;
      }
    }
    Shape out;
    for (size_t d = 0; d < in.size(); ++d)
      if (!drop[d]) out.push_back(in[d]);
    return {{out, ctx.dtype(0)}};
  };
  squeeze.cpu = copy_if_moved;
  squeeze.backward = to_input_shape;
  register_op(std::move(squeeze));

  OpDef stack;
  stack.name = "stack";
  stack.min_inputs = 1;
  stack.max_inputs = -1;
  stack.attrs = {{"axis", AttrType::Int}};
  stack.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_same_dtype(0, ctx.num_inputs());
    Shape s = ctx.shape(0);
    for (size_t i = 1; i < ctx.num_inputs(); ++i) {
      bool same = ctx.shape(i).size() == s.size();
      for (size_t d = 0; same && d < s.size(); ++d) same = dims_compatible(ctx.shape(i)[d], s[d]);
      ctx.require(same, "all inputs must have the same shape, but input ", i, " has shape ", shape_str(ctx.shape(i)));
      for (size_t d = 0; d < s.size(); ++d) s[d] = merge_dim(s[d], ctx.shape(i)[d]);
    }
    int axis = normalize_axis(ctx.attrs().get_int("axis", 0), s.size() + 1, ctx.where());
    s.insert(s.begin() + axis, static_cast<int64_t>(ctx.num_inputs()));
    return {{s, ctx.dtype(0)}};
  };
  stack.cpu = [](const KernelContext& ctx) {
    const Tensor& out = ctx.outputs[0];
    int axis = normalize_axis(ctx.attrs().get_int("axis", 0), out.rank(), "stack");
    std::vector<const void*> ptrs;
    for (const Tensor& t : ctx.inputs) ptrs.push_back(t.raw());
    int64_t inner = product(out.shape(), axis + 1, out.rank());
    cpu::concat_bytes(ptrs, std::vector<int64_t>(ptrs.size(), inner), product(out.shape(), 0, axis),
                      dtype_size(out.dtype()), out.raw());
  };
  stack.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    const Shape out = gb.spec(node.outputs[0]).shape;  // a copy: emitting nodes grows the value table
    int axis = normalize_axis(node.attrs.get_int("axis", 0), out.size(), "stack");
    std::vector<ValueId> result;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      std::vector<int64_t> begin(axis + 1, 0), end(axis + 1, 0), ones(axis + 1, 1), mask(axis + 1, 1);
      begin[axis] = static_cast<int64_t>(i);
      end[axis] = static_cast<int64_t>(i) + 1;
      mask[axis] = 0;
      result.push_back(gb.emit("slice", {grads[0]},
                               attrs_of({{"begin", begin},
                                         {"end", end},
                                         {"strides", ones},
                                         {"begin_mask", mask},
                                         {"end_mask", mask},
                                         {"squeeze_axes", std::vector<int64_t>{axis}}})));
    }
    return result;
  };
  register_op(std::move(stack));
}

}  // namespace dagnet
