// embedding(indices, table): indices int32/int64 of any shape, table (input_dim,
// output_dim) -> (..., output_dim). An index outside [0, input_dim) is an error naming
// the node, the value and its position, raised before any row is read.
// embedding_grad(dy, indices, table): the table-shaped gradient (table read for its
// shape only), rows accumulated; no gradient flows to the indices.
#include <vector>

#include "cpu/embedding.h"
#include "ops/dispatch.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
std::string position_of(int64_t flat, const Shape& shape) {
  std::string s = "(";
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  for (size_t d = 0; d < idx.size(); ++d) s += (d ? ", " : "") + std::to_string(idx[d]);
  return s + (idx.size() == 1 ? ",)" : ")");
}

// Validates the indices into `out` (int64, workspace). A bad one is reported through the
// device error record (describe_index_error formats it) and the kernel reads no row.
bool checked_indices(const KernelContext& ctx, const Tensor& indices, int64_t rows, int64_t* out) {
  for (int64_t i = 0; i < indices.numel(); ++i) {
    int64_t v = indices.dtype() == DType::i32 ? indices.data<int32_t>()[i] : indices.data<int64_t>()[i];
    if (v < 0 || v >= rows) {
      ctx.report_error(kErrorIndexOutOfRange, i, v, static_cast<double>(v), rows);
      return false;
    }
    out[i] = v;
  }
  return true;
}

std::string describe_index_error(const Node& node, const std::vector<TensorSpec>& inputs, const DeviceError& e) {
  const size_t indices_input = node.op->name == "embedding" ? 0 : 1;
  return cat("node '", node.name, "' (", node.op->name, "): index ", e.int_value, " at position ",
             position_of(e.position, inputs[indices_input].shape), " is out of range [0, ", e.bound, ")");
}

// Scratch for the validated int64 indices of input `i`.
WorkspaceRule indices_workspace(size_t i) {
  return [i](const std::vector<TensorSpec>& in, const std::vector<TensorSpec>&, const Attrs&) {
    return static_cast<size_t>(num_elements(in[i].shape)) * sizeof(int64_t);
  };
}

void require_indices(const InferContext& ctx, size_t i) {
  check(ctx.dtype(i) == DType::i32 || ctx.dtype(i) == DType::i64, ErrorKind::Type, ctx.where(),
        ": indices must be int32 or int64, got ", dtype_name(ctx.dtype(i)));
}
}  // namespace

void register_embedding_ops() {
  OpDef fwd;
  fwd.name = "embedding";
  fwd.min_inputs = fwd.max_inputs = 2;
  fwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_indices(ctx, 0);
    ctx.require_float(1);
    ctx.require(ctx.shape(1).size() == 2, "the table must be 2-D (input_dim, output_dim)");
    Shape out = ctx.shape(0);
    out.push_back(ctx.shape(1)[1]);
    return {{out, ctx.dtype(1)}};
  };
  fwd.workspace = indices_workspace(0);
  fwd.describe_error = describe_index_error;
  fwd.cpu = [](const KernelContext& ctx) {
    const Tensor& table = ctx.inputs[1];
    int64_t* indices = static_cast<int64_t*>(ctx.workspace);
    if (!checked_indices(ctx, ctx.inputs[0], table.dim(0), indices)) return;
    dispatch_float(table.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::embedding_gather<T>(table.data<T>(), indices, ctx.inputs[0].numel(), table.dim(1), ctx.outputs[0].data<T>());
    });
  };
  fwd.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    return std::vector<ValueId>{kNoValue, gb.emit("embedding_grad", {grads[0], node.inputs[0], node.inputs[1]})};
  };
  register_op(std::move(fwd));

  OpDef bwd;
  bwd.name = "embedding_grad";
  bwd.min_inputs = bwd.max_inputs = 3;
  bwd.shape_only_from = 2;
  bwd.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    require_indices(ctx, 1);
    ctx.require_float(0);
    const Shape& table = ctx.shape(2);
    ctx.require(table.size() == 2, "the table must be 2-D (input_dim, output_dim)");
    Shape dy = ctx.shape(1);
    dy.push_back(table[1]);
    require_shape(ctx, 0, dy, "the output gradient");
    return {{table, ctx.dtype(0)}};
  };
  bwd.workspace = indices_workspace(1);
  bwd.describe_error = describe_index_error;
  bwd.cpu = [](const KernelContext& ctx) {
    const Tensor& d_table = ctx.outputs[0];
    int64_t* indices = static_cast<int64_t*>(ctx.workspace);
    if (!checked_indices(ctx, ctx.inputs[1], d_table.dim(0), indices)) return;
    dispatch_float(d_table.dtype(), [&](auto tag) {
      using T = decltype(tag);
      cpu::embedding_scatter_add<T>(ctx.inputs[0].data<T>(), indices, ctx.inputs[1].numel(), d_table.dim(1),
                                    d_table.dim(0), d_table.data<T>());
    });
  };
  register_op(std::move(bwd));
}

}  // namespace dagnet
