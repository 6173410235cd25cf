// batch_matmul(a, b) attrs transpose_a, transpose_b: (..., M, K) x (..., K, N) with equal
// batch axes (Keras's Dot layer, ops.matmul on rank-3 tensors): one GEMM per batch entry.
// Backward: batch_matmuls, as for matmul.
#include "cpu/gemm.h"
#include "ops/dispatch.h"
#include "ops/matmul_layout.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
struct Dims {
  int64_t batch, M, N, K, K_b;
};
Dims dims_of(const Shape& a, const Shape& b, bool ta, bool tb) {
  size_t r = a.size();
  int64_t batch = 1;
  for (size_t d = 0; d + 2 < r; ++d) batch = checked_mul(batch, a[d], "the batch size");
  return {batch, ta ? a[r - 1] : a[r - 2], tb ? b[r - 2] : b[r - 1], ta ? a[r - 2] : a[r - 1],
          tb ? b[r - 1] : b[r - 2]};
}

std::shared_ptr<const void> prepare_batch_matmul(const PrepareContext& ctx) {
  const Shape &a = ctx.inputs[0].shape, &b = ctx.inputs[1].shape;
  const bool ta = ctx.attrs().get_int("transpose_a", 0), tb = ctx.attrs().get_int("transpose_b", 0);
  const Dims d = dims_of(a, b, ta, tb);
  const size_t r = a.size();
  return prepared_state(BatchMatmulPrepared{ta, tb, d.batch, d.M, d.N, d.K, d.K_b, a[r - 1], b[r - 1],
                                            a[r - 1] * a[r - 2], b[r - 1] * b[r - 2], d.M * d.N});
}
}  // namespace

void register_batch_matmul_ops() {
  OpDef op;
  op.name = "batch_matmul";
  op.min_inputs = op.max_inputs = 2;
  op.attrs = {{"transpose_a", AttrType::Int}, {"transpose_b", AttrType::Int}};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require_float(0);
    ctx.require_same_dtype(0, 2);
    const Shape &a = ctx.shape(0), &b = ctx.shape(1);
    ctx.require(a.size() >= 2 && a.size() == b.size(), "operands must have the same rank >= 2");
    for (size_t d = 0; d + 2 < a.size(); ++d)
      ctx.require(dims_compatible(a[d], b[d]), "batch axes differ: ", shape_str(a), " vs ", shape_str(b));
    bool ta = ctx.attrs().get_int("transpose_a", 0), tb = ctx.attrs().get_int("transpose_b", 0);
    Dims d = dims_of(a, b, ta, tb);
    ctx.require(dims_compatible(d.K, d.K_b), "contraction sizes differ: ", d.K, " vs ", d.K_b);
    Shape out;
    for (size_t i = 0; i + 2 < a.size(); ++i) out.push_back(merge_dim(a[i], b[i]));
    out.push_back(d.M);
    out.push_back(d.N);
    return {{out, ctx.dtype(0)}};
  };
  op.prepare = prepare_batch_matmul;
  op.cpu = [](const KernelContext& ctx) {
    const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1], &c = ctx.outputs[0];
    const BatchMatmulPrepared& d = ctx.prepared<BatchMatmulPrepared>();
    dispatch_float(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t i = 0; i < d.batch; ++i)
        cpu::gemm<T>(d.ta, d.tb, d.M, d.N, d.K, a.data<T>() + i * d.stride_a, d.lda, b.data<T>() + i * d.stride_b,
                     d.ldb, c.data<T>() + i * d.stride_c, d.N, false);
    });
  };
  op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    ValueId a = node.inputs[0], b = node.inputs[1], g = grads[0];
    bool ta = node.attrs.get_int("transpose_a", 0), tb = node.attrs.get_int("transpose_b", 0);
    auto mm = [&](ValueId x, ValueId y, bool tx, bool ty) {
      return gb.emit("batch_matmul", {x, y}, attrs_of({{"transpose_a", int64_t(tx)}, {"transpose_b", int64_t(ty)}}));
    };
    if (!ta && !tb) return std::vector<ValueId>{mm(g, b, false, true), mm(a, g, true, false)};
    if (ta && !tb) return std::vector<ValueId>{mm(b, g, false, true), mm(a, g, false, false)};
    if (!ta && tb) return std::vector<ValueId>{mm(g, b, false, false), mm(g, a, true, false)};
    return std::vector<ValueId>{mm(b, g, true, true), mm(g, a, true, true)};
  };
  register_op(std::move(op));
}

}  // namespace dagnet
