#include "core/resample_pass.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace dagnet {

namespace {
template <typename T>
Tensor table(const std::vector<T>& values, DType dtype, Device device) {
  Tensor host = Tensor::empty({static_cast<int64_t>(values.size())}, dtype);
  if (!values.empty()) std::memcpy(host.raw(), values.data(), values.size() * sizeof(T));
  return device.type == DeviceType::CPU ? host : host.to(device);
}
}  // namespace

ResamplePlan::ResamplePlan(std::vector<ResamplePass> passes, const std::vector<std::vector<int32_t>>& starts,
                           const std::vector<std::vector<float>>& weights, bool fused_2d, Device device)
    : passes_(std::move(passes)), fused_2d_(fused_2d) {
  check(starts.size() == passes_.size() && weights.size() == passes_.size(), ErrorKind::Value,
        "ResamplePlan: one table per pass");
  check(!fused_2d_ || passes_.size() == 2, ErrorKind::Value, "ResamplePlan: a fused plan has two passes");
  for (size_t i = 0; i < passes_.size(); ++i) {
    ResamplePass& p = passes_[i];
    check(static_cast<int64_t>(starts[i].size()) == p.out_len &&
              static_cast<int64_t>(weights[i].size()) == p.out_len * p.taps,
          ErrorKind::Value, "ResamplePlan: pass ", i, " has a table of the wrong size");
    tables_.push_back(table(starts[i], DType::i32, device));
    tables_.push_back(table(weights[i], DType::f32, device));
    p.start = tables_[tables_.size() - 2].data<int32_t>();
    p.weight = tables_.back().data<float>();
    if (i + 1 < passes_.size() && !fused_2d_) scratch_ = std::max(scratch_, p.outer * p.out_len * p.inner);
  }
}

}  // namespace dagnet
