// matmul: C = op(A) @ op(B). A is viewed as 2-D by folding its leading axes into rows,
// so a (batch, time, k) activation times a (k, n) kernel gives (batch, time, n). With
// transpose_a the folded A is transposed: (R, C) -> (C, R), which is how a dense
// kernel's gradient x^T @ dz contracts over every leading axis at once.
#include "cpu/gemm.h"
#include "ops/dispatch.h"
#include "ops/matmul_layout.h"
#include "ops/operand_checks.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {
int64_t fold(const Shape& s, size_t begin, size_t end) { return checked_product(s, begin, end); }

MatmulDims matmul_dims(const Shape& a, const Shape& b, bool ta, bool tb) {
  int64_t a_rows = fold(a, 0, a.size() - 1), a_cols = a.back();
  int64_t b_rows = fold(b, 0, b.size() - 1), b_cols = b.back();
  MatmulDims d;
  d.M = ta ? a_cols : a_rows;
  d.K = ta ? a_rows : a_cols;
  d.K_b = tb ? b_cols : b_rows;
  d.N = tb ? b_rows : b_cols;
  return d;
}

std::vector<TensorSpec> infer_matmul(const InferContext& ctx) {
  ctx.require_float(0);
  ctx.require_same_dtype(0, 2);
  const Shape& a = ctx.shape(0);
  const Shape& b = ctx.shape(1);
  ctx.require(a.size() >= 2 && b.size() >= 2, "matmul needs operands of rank >= 2");
  bool ta = ctx.attrs().get_int("transpose_a", 0), tb = ctx.attrs().get_int("transpose_b", 0);
  MatmulDims d = matmul_dims(a, b, ta, tb);
  ctx.require(dims_compatible(d.K, d.K_b), "contraction sizes differ: ", d.K, " vs ", d.K_b);
  Shape out;
  if (ta) {
    out = {d.M, d.N};
  } else {
    out.assign(a.begin(), a.end() - 1);
    out.push_back(d.N);
  }
  return {{out, ctx.dtype(0)}};
}

std::shared_ptr<const void> prepare_matmul(const PrepareContext& ctx) {
  bool ta = ctx.attrs().get_int("transpose_a", 0), tb = ctx.attrs().get_int("transpose_b", 0);
  return prepared_state(MatmulPrepared{ta, tb, matmul_dims(ctx.inputs[0].shape, ctx.inputs[1].shape, ta, tb)});
}

void matmul_cpu(const KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1];
  const MatmulPrepared& p = ctx.prepared<MatmulPrepared>();
  const bool ta = p.ta, tb = p.tb;
  const MatmulDims& d = p.d;
  dispatch_float(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cpu::gemm<T>(ta, tb, d.M, d.N, d.K, a.data<T>(), a.shape().back(), b.data<T>(), b.shape().back(),
                 ctx.outputs[0].data<T>(), d.N, false);
  });
}

// Gradients of C = op(A) op(B), each again a matmul:
//   ( ,  ): dA = G B^T      dB = A^T G
//   (T,  ): dA = B G^T      dB = A G
//   ( , T): dA = G B        dB = G^T A
//   (T, T): dA = B^T G^T    dB = G^T A^T
std::vector<ValueId> matmul_backward(GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
  ValueId a = node.inputs[0], b = node.inputs[1], g = grads[0];
  bool ta = node.attrs.get_int("transpose_a", 0), tb = node.attrs.get_int("transpose_b", 0);
  auto mm = [&](ValueId x, ValueId y, bool tx, bool ty) {
    return gb.emit("matmul", {x, y}, attrs_of({{"transpose_a", int64_t(tx)}, {"transpose_b", int64_t(ty)}}));
  };
  if (!ta && !tb) return {mm(g, b, false, true), mm(a, g, true, false)};
  if (ta && !tb) return {mm(b, g, false, true), mm(a, g, false, false)};
  if (!ta && tb) return {mm(g, b, false, false), mm(g, a, true, false)};
  return {mm(b, g, true, true), mm(g, a, true, true)};
}
}  // namespace

void register_matmul_ops() {
  OpDef op;
  op.name = "matmul";
  op.min_inputs = op.max_inputs = 2;
  op.attrs = {{"transpose_a", AttrType::Int}, {"transpose_b", AttrType::Int}};
  op.infer = infer_matmul;
  op.prepare = prepare_matmul;
  op.cpu = matmul_cpu;
  op.backward = matmul_backward;
  register_op(std::move(op));
}

}  // namespace dagnet
