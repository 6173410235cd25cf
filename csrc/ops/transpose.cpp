// transpose(x) attr perm (empty = reverse the axes); backward: the inverse permutation.
#include <numeric>

#include "cpu/strided.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"
#include "ops/strided_walk.h"

namespace dagnet {

namespace {
std::vector<int64_t> permutation(const Attrs& attrs, size_t rank, const InferContext* ctx) {
  std::vector<int64_t> perm = attrs.get_ints("perm", {});
  if (perm.empty()) {
    perm.resize(rank);
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  std::vector<bool> seen(rank, false);
  bool ok = perm.size() == rank;
  for (int64_t& p : perm) {
    if (p < 0) p += static_cast<int64_t>(rank);
    ok = ok && p >= 0 && p < static_cast<int64_t>(rank) && !seen[p];
    if (ok) seen[p] = true;
  }
  if (!ok) {
    std::string m = cat("perm ", shape_str(attrs.get_ints("perm", {})), " is not a permutation of ", rank, " axes");
    if (ctx) ctx->fail(m);
    fail(ErrorKind::Value, m);
  }
  return perm;
}
}  // namespace

void register_transpose_ops() {
  OpDef op;
  op.name = "transpose";
  op.attrs = {{"perm", AttrType::IntList}};
  op.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    auto perm = permutation(ctx.attrs(), ctx.shape(0).size(), &ctx);
    Shape out;
    for (int64_t p : perm) out.push_back(ctx.shape(0)[p]);
    return {{out, ctx.dtype(0)}};
  };
  // The walk reading x in y's row-major order, once per plan.
  op.prepare = [](const PrepareContext& ctx) {
    const Shape& x = ctx.inputs[0].shape;
    auto perm = permutation(ctx.attrs(), x.size(), nullptr);
    std::vector<int64_t> in_strides = cpu::contiguous_strides(x);
    StridedWalk w;
    w.shape = ctx.outputs[0].shape;
    w.strides.resize(perm.size());
    for (size_t d = 0; d < perm.size(); ++d) w.strides[d] = in_strides[perm[d]];
    return prepared_state(std::move(w));
  };
  op.cpu = [](const KernelContext& ctx) {
    const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
    const StridedWalk& w = ctx.prepared<StridedWalk>();
    dispatch_any(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      T* py = y.data<T>();
      const std::vector<int64_t> strides[1] = {w.strides};
      const int64_t base[1] = {w.base};
      cpu::parallel_for_each_index<1>(w.shape, strides, base,
                                      [&](int64_t i, const int64_t* off) { py[i] = px[off[0]]; });
    });
  };
  op.backward = [](GradBuilder& gb, const Node& node, const std::vector<ValueId>& grads) {
    auto perm = permutation(node.attrs, gb.spec(node.inputs[0]).shape.size(), nullptr);
    std::vector<int64_t> inverse(perm.size());
    for (size_t d = 0; d < perm.size(); ++d) inverse[perm[d]] = static_cast<int64_t>(d);
    return std::vector<ValueId>{gb.emit("transpose", {grads[0]}, attrs_of({{"perm", inverse}}))};
  };
  register_op(std::move(op));
}

}  // namespace dagnet
