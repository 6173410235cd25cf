// How a gradient bucket packs its gradients into one buffer: each starts on a 64-byte
// boundary (so the views the optimizer's kernels read are aligned like arena buffers),
// and one last element holds this process's batch weight (its rows in the step), which
// the allreduce sums along with the weighted gradients: sum_r(w_r g_r) / sum_r(w_r) is
// the gradient of the mean loss over the global batch, whatever each process's share.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dagnet::distributed {

struct BucketLayout {
  std::vector<int64_t> offsets;  // first element of each gradient
  std::vector<int64_t> counts;   // its elements
  int64_t weight_index = 0;      // the batch weight's element (after the last gradient)
  int64_t size() const { return weight_index + 1; }
};

inline BucketLayout bucket_layout(const std::vector<int64_t>& counts, size_t element_bytes) {
  const int64_t align = static_cast<int64_t>(64 / element_bytes);
  BucketLayout layout;
  int64_t at = 0;
  for (int64_t n : counts) {
    layout.offsets.push_back(at);
    layout.counts.push_back(n);
    at += (n + align - 1) / align * align;
  }
  layout.weight_index = at;
  return layout;
}

}  // namespace dagnet::distributed
