#include "graph/gradient_allreduce.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace dagnet {

std::vector<ValueId> add_gradient_allreduce(Graph& graph, const std::vector<ValueId>& gradients, size_t bucket_bytes) {
  check(bucket_bytes > 0, ErrorKind::Value, "the gradient bucket size must be positive");
  std::vector<ValueId> reduced(gradients.size(), kNoValue);
  if (gradients.empty()) return reduced;
  const ValueId weight = graph.add_input(kGradientWeightInput, {}, DType::f64);

  // Readiness: autodiff appends the backward pass from the loss back to the inputs, so a
  // gradient whose producer was added earlier is ready earlier.
  std::vector<size_t> order(gradients.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return graph.value(gradients[a]).producer < graph.value(gradients[b]).producer;
  });
  std::map<DType, std::vector<size_t>> open;  // one bucket being filled per dtype
  std::map<DType, size_t> open_bytes;
  std::map<DType, int> closed;  // buckets of this dtype already made
  int buckets = 0;
  auto close = [&](DType dtype) {
    std::vector<size_t>& members = open[dtype];
    if (members.empty()) return;
    const std::string name = "distributed/bucket_" + std::to_string(buckets++);
    std::vector<ValueId> start_inputs{weight}, wait_inputs;
    for (size_t i : members) start_inputs.push_back(gradients[i]);
    const ValueId bucket = graph.add_node("allreduce_start", start_inputs, {}, name + "/start")[0];
    wait_inputs.push_back(bucket);
    wait_inputs.insert(wait_inputs.end(), start_inputs.begin() + 1, start_inputs.end());
    const std::vector<ValueId> outputs = graph.add_node("allreduce_wait", wait_inputs, {}, name + "/wait");
    for (size_t k = 0; k < members.size(); ++k) reduced[members[k]] = outputs[k];
    members.clear();
    open_bytes[dtype] = 0;
    ++closed[dtype];
  };
  for (size_t i : order) {
    const TensorSpec& spec = graph.value(gradients[i]).spec;
    const size_t bytes = static_cast<size_t>(num_elements(spec.shape)) * dtype_size(spec.dtype);
    // The first bucket (the last layers' gradients) is small, so its allreduce starts
    // early enough to overlap the backward pass even where all gradients fit one bucket.
    const size_t limit = closed[spec.dtype] == 0 ? std::min(bucket_bytes, kFirstBucketBytes) : bucket_bytes;
    if (!open[spec.dtype].empty() && open_bytes[spec.dtype] + bytes > limit) close(spec.dtype);
    open[spec.dtype].push_back(i);
    open_bytes[spec.dtype] += bytes;
  }
  for (auto& [dtype, members] : open) close(dtype);
  return reduced;
}

}  // namespace dagnet
