// Separable resampling along one axis of a tensor seen as (outer, len, inner):
//   y[a, o, b] = sum_k weight[o * taps + k] * x[a, start[o] + k, b]
// for a < outer, o < out_len, b < inner. Taps with weight 0 are skipped; when reads_fill is
// set, a tap outside [0, in_len) reads `fill` (a padded canvas). The tables come from
// ops/resample_geometry; a ResamplePlan keeps them on the plan's device for the CPU and
// CUDA kernels (cpu/resample, cuda/resample.cu), which run forward passes and, over
// transposed tables, gradients.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace dagnet {

struct ResamplePass {
  int64_t outer = 1, in_len = 0, out_len = 0, inner = 1, taps = 1;
  const int32_t* start = nullptr;
  const float* weight = nullptr;
  bool reads_fill = false;
  double fill = 0;
};

// The passes of one resampling op for one plan, with their tables on `device` (the passes'
// table pointers point into them). Passes after the first read the previous pass's output
// from scratch: two buffers of scratch_elements() alternate. A fused plan has two passes
// over adjacent axes that run as one 2-D gather (rows: the first, columns: the second; the
// gather's outer size is the first pass's, its inner size the second's) and no scratch.
class ResamplePlan {
 public:
  // passes[i] takes its table from starts[i] (out_len entries) and weights[i] (out_len * taps).
  ResamplePlan(std::vector<ResamplePass> passes, const std::vector<std::vector<int32_t>>& starts,
               const std::vector<std::vector<float>>& weights, bool fused_2d, Device device);
  const std::vector<ResamplePass>& passes() const { return passes_; }
  bool fused_2d() const { return fused_2d_; }
  int64_t scratch_elements() const { return scratch_; }
  size_t workspace_bytes(size_t element_size) const { return 2 * static_cast<size_t>(scratch_) * element_size; }

 private:
  std::vector<ResamplePass> passes_;
  std::vector<Tensor> tables_;
  bool fused_2d_ = false;
  int64_t scratch_ = 0;
};

// Runs a plan from x to y: pass(p, src, dst) per pass through the scratch buffers, or
// pass_2d(rows, cols, x, y) for a fused plan; with no pass (every axis the identity) y is a
// copy of x (copy(src, dst, numel)). The functions are the device's kernels.
template <typename T, typename PassFn, typename Pass2dFn, typename CopyFn>
void run_resample_plan(const ResamplePlan& plan, const T* x, T* y, T* scratch, int64_t numel, PassFn pass,
                       Pass2dFn pass_2d, CopyFn copy) {
  const std::vector<ResamplePass>& passes = plan.passes();
  if (passes.empty()) {
    copy(x, y, numel);
    return;
  }
  if (plan.fused_2d()) {
    pass_2d(passes[0], passes[1], x, y);
    return;
  }
  const T* src = x;
  for (size_t i = 0; i < passes.size(); ++i) {
    T* dst = i + 1 == passes.size() ? y : scratch + static_cast<int64_t>(i % 2) * plan.scratch_elements();
    pass(passes[i], src, dst);
    src = dst;
  }
}

}  // namespace dagnet
