// The data-parallel gradient allreduce as two ops, so a bucket's communication overlaps
// the rest of the backward pass (graph/gradient_allreduce.cpp inserts them):
//   allreduce_start(weight, g_1..g_k) -> bucket: packs w*g_i into one fused buffer (a
//     planner buffer; the weight, this process's rows in the step, in its last element)
//     and starts the allreduce-sum of it. Scheduled first in its wave.
//   allreduce_wait(bucket, g_1..g_k) -> g'_1..g'_k: waits for the sum and divides it by
//     the summed weight; its outputs are views into the bucket (the g_i are read for their
//     shapes only). Scheduled as late as its consumers allow, last in its wave.
// A process whose shard of the step is empty feeds a stand-in row with weight 0: its
// bucket holds zeros (not w*g, which would be NaN for a NaN gradient).
#include <algorithm>

#include "core/thread_pool.h"
#include "distributed/bucket_layout.h"
#include "distributed/collective.h"
#include "ops/dispatch.h"
#include "ops/register_ops.h"

namespace dagnet {

namespace {

using distributed::BucketLayout;

BucketLayout layout_of(const std::vector<TensorSpec>& gradients) {
  std::vector<int64_t> counts;
  for (const TensorSpec& g : gradients) counts.push_back(num_elements(g.shape));
  return distributed::bucket_layout(counts, dtype_size(gradients.empty() ? DType::f32 : gradients[0].dtype));
}

// The gradients' specs: the start's inputs after the weight, the wait's after the bucket.
std::vector<TensorSpec> gradient_specs(const std::vector<TensorSpec>& inputs) {
  return std::vector<TensorSpec>(inputs.begin() + 1, inputs.end());
}

void check_gradients(const InferContext& ctx) {
  ctx.require(ctx.num_inputs() >= 2, "a bucket needs at least one gradient");
  ctx.require_float(1);
  ctx.require_same_dtype(1, ctx.num_inputs());
  for (size_t i = 1; i < ctx.num_inputs(); ++i)
    ctx.require(is_fully_known(ctx.shape(i)), "gradient ", i - 1, " has unknown shape ", shape_str(ctx.shape(i)));
}

void pack_cpu(const KernelContext& ctx) {
  const BucketLayout& layout = ctx.prepared<BucketLayout>();
  const double weight = *ctx.inputs[0].data<double>();
  const Tensor& bucket = ctx.outputs[0];
  dispatch_float(bucket.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = bucket.data<T>();
    std::fill(out, out + bucket.numel(), T(0));  // padding, and the gradients of an empty shard
    if (weight != 0) {
      const T w = static_cast<T>(weight);
      for (size_t i = 0; i < layout.offsets.size(); ++i) {
        const T* g = ctx.inputs[i + 1].data<T>();
        T* dst = out + layout.offsets[i];
        parallel_for(layout.counts[i], 1 << 15, [&](int64_t b, int64_t e) {
          for (int64_t j = b; j < e; ++j) dst[j] = g[j] * w;
        });
      }
    }
    out[layout.weight_index] = static_cast<T>(weight);
  });
}

void finish_cpu(const KernelContext& ctx) {
  const BucketLayout& layout = ctx.prepared<BucketLayout>();
  const Tensor& bucket = ctx.inputs[0];
  dispatch_float(bucket.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* sums = bucket.data<T>();
    const T total = sums[layout.weight_index];
    for (size_t i = 0; i < layout.offsets.size(); ++i) {
      T* g = sums + layout.offsets[i];
      if (total != T(0)) {
        parallel_for(layout.counts[i], 1 << 15, [&](int64_t b, int64_t e) {
          for (int64_t j = b; j < e; ++j) g[j] /= total;
        });
      }
      T* out = ctx.outputs[i].data<T>();
      if (out != g) std::copy(g, g + layout.counts[i], out);  // an output the planner could not view
    }
  });
}

}  // namespace

void register_collective_ops() {
  OpDef start;
  start.name = "allreduce_start";
  start.min_inputs = 2;
  start.max_inputs = -1;
  start.placement = Placement::Early;
  start.collective = true;
  start.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    ctx.require(ctx.shape(0).empty() && ctx.dtype(0) == DType::f64, "the batch weight must be a float64 scalar, got ",
                dtype_name(ctx.dtype(0)), " ", shape_str(ctx.shape(0)));
    check_gradients(ctx);
    std::vector<TensorSpec> gradients;
    for (size_t i = 1; i < ctx.num_inputs(); ++i) gradients.push_back({ctx.shape(i), ctx.dtype(i)});
    return {{{layout_of(gradients).size()}, ctx.dtype(1)}};
  };
  start.prepare = [](const PrepareContext& ctx) { return prepared_state(layout_of(gradient_specs(ctx.inputs))); };
  start.cpu = [](const KernelContext& ctx) {
    pack_cpu(ctx);
    distributed::host_collective().start_allreduce(ctx.outputs[0], ctx.device);
  };
  register_op(std::move(start));

  OpDef wait;
  wait.name = "allreduce_wait";
  wait.min_inputs = 2;
  wait.max_inputs = -1;
  wait.placement = Placement::Late;
  wait.collective = true;
  wait.mutates = {0};  // divides the summed bucket in place
  wait.shape_only_from = 1;
  wait.infer = [](const InferContext& ctx) -> std::vector<TensorSpec> {
    check_gradients(ctx);
    std::vector<TensorSpec> gradients;
    for (size_t i = 1; i < ctx.num_inputs(); ++i) gradients.push_back({ctx.shape(i), ctx.dtype(i)});
    const int64_t size = layout_of(gradients).size();
    ctx.require(ctx.dtype(0) == ctx.dtype(1) && ctx.shape(0) == Shape{size}, "the bucket must be ",
                dtype_name(ctx.dtype(1)), " [", size, "], got ", dtype_name(ctx.dtype(0)), " ",
                shape_str(ctx.shape(0)));
    return gradients;
  };
  wait.prepare = [](const PrepareContext& ctx) { return prepared_state(layout_of(gradient_specs(ctx.inputs))); };
  wait.output_views = [](const std::vector<TensorSpec>& inputs, const std::vector<TensorSpec>&, const Attrs&) {
    const std::vector<TensorSpec> gradients = gradient_specs(inputs);
    const BucketLayout layout = layout_of(gradients);
    std::vector<size_t> offsets;
    for (int64_t offset : layout.offsets) offsets.push_back(static_cast<size_t>(offset) * dtype_size(inputs[0].dtype));
    return offsets;
  };
  wait.cpu = [](const KernelContext& ctx) {
    distributed::host_collective().wait_allreduce(ctx.inputs[0], ctx.device);
    finish_cpu(ctx);
  };
  register_op(std::move(wait));
}

}  // namespace dagnet
