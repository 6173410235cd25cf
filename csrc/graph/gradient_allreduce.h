// Data-parallel training inside the native step: the gradients, in the order the backward
// pass produces them, are grouped into buckets of about `bucket_bytes` (the first of at
// most kFirstBucketBytes); each bucket is one allreduce_start (pack w * g into a fused
// planner buffer, start the sum over processes) and one allreduce_wait (sum / summed
// weight, its outputs views into the buffer). The scheduler starts a bucket as soon as its
// gradients exist and waits as late as the optimizer allows, so communication overlaps the
// rest of the backward pass. The step then reads the graph input "gradient_weight": this
// process's rows in the step (0 for a stand-in row when its shard of the step is empty).
#pragma once
#include <cstddef>
#include <vector>

#include "graph/graph.h"

namespace dagnet {

struct GradientAllreduce {
  bool enabled = false;
  size_t bucket_bytes = size_t{25} << 20;  // PyTorch DDP's default bucket size
};

constexpr const char* kGradientWeightInput = "gradient_weight";
// The first bucket's cap (PyTorch DDP's first bucket): the last layers' gradients start
// their allreduce while the earlier layers' backward pass still runs.
constexpr size_t kFirstBucketBytes = size_t{1} << 20;

// Returns the reduced gradients, in the order of `gradients`.
std::vector<ValueId> add_gradient_allreduce(Graph& graph, const std::vector<ValueId>& gradients, size_t bucket_bytes);

}  // namespace dagnet
