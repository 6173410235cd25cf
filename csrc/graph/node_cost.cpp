#include "graph/node_cost.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <string>

namespace dagnet {

namespace {
double elements(const Shape& shape) {
  double n = 1;
  for (int64_t d : shape) n *= static_cast<double>(std::max<int64_t>(d, 0));
  return n;
}

double product(const Shape& shape, size_t begin, size_t end) {
  double n = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i) n *= static_cast<double>(std::max<int64_t>(shape[i], 0));
  return n;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "conv2d", "conv2d_grad_input", ... after `prefix`: the digit and the 'd' of a rank.
bool is_conv_name(const std::string& name, const std::string& prefix) {
  return name.size() >= prefix.size() + 2 && name.compare(0, prefix.size(), prefix) == 0 &&
         std::isdigit(static_cast<unsigned char>(name[prefix.size()])) && name[prefix.size() + 1] == 'd';
}

// A windowed contraction: every element of `big` (the output y, or dy for the gradients,
// or a transposed convolution's input) meets the kernel's window x input channels (all
// kernel axes but the last `trailing`, which the element's own channel picks).
double window_flops(const Shape& big, const Shape& kernel, size_t trailing) {
  if (kernel.size() <= trailing) return -1;
  return 2 * elements(big) * product(kernel, 0, kernel.size() - trailing);
}

// FLOPs of the GEMM-like ops; -1 for every other op (and for shapes these rules do not
// expect, which then fall back to elements).
double gemm_flops(const Node& node, const std::vector<TensorSpec>& in, const std::vector<TensorSpec>& out) {
  const std::string& name = node.op->name;
  if (out.empty()) return -1;
  if (name == "dense" && in.size() >= 2 && !in[1].shape.empty())
    return 2 * elements(out[0].shape) * static_cast<double>(in[1].shape[0]);
  if ((name == "matmul" || name == "batch_matmul") && in.size() >= 2 && in[0].shape.size() >= 2) {
    const Shape& a = in[0].shape;
    const bool ta = node.attrs.get_int("transpose_a", 0) != 0;
    double k = static_cast<double>(a.back());
    // matmul folds A's leading axes into rows; transposed, those rows are what it contracts.
    if (ta) k = name == "matmul" ? elements(a) / std::max(1.0, k) : static_cast<double>(a[a.size() - 2]);
    return 2 * elements(out[0].shape) * k;
  }
  for (const char* family : {"conv", "depthwise_conv"}) {
    if (!is_conv_name(name, family)) continue;
    const size_t trailing = std::string(family) == "conv" ? 1 : 2;  // depthwise: (k..., C, multiplier)
    const bool grad_kernel = ends_with(name, "_grad_kernel");
    const bool from_input = grad_kernel || ends_with(name, "_grad_input") || ends_with(name, "_transpose");
    const size_t kernel_at = grad_kernel ? 2 : 1;
    if (in.size() <= kernel_at) return -1;
    return window_flops(from_input ? in[0].shape : out[0].shape, in[kernel_at].shape, trailing);
  }
  if (name == "lstm" || name == "gru" || name == "simple_rnn") {
    // x (batch, time, in) against kernel (in, G*u) and recurrent kernel (u, G*u) per step.
    if (in.size() < 3 || in[0].shape.empty()) return -1;
    const double rows = elements(in[0].shape) / std::max<double>(1, static_cast<double>(in[0].shape.back()));
    return 2 * rows * (elements(in[1].shape) + elements(in[2].shape));
  }
  if (name == "lstm_grad" || name == "gru_grad" || name == "simple_rnn_grad") {
    // Outputs dx, d kernel, d recurrent kernel: twice the forward's multiplies.
    if (out.size() < 3 || out[0].shape.empty()) return -1;
    const double rows = elements(out[0].shape) / std::max<double>(1, static_cast<double>(out[0].shape.back()));
    return 4 * rows * (elements(out[1].shape) + elements(out[2].shape));
  }
  if (name == "attention" || name == "attention_grad") {
    // q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv): q k^T and p v per (batch, head).
    const size_t q = name == "attention" ? 0 : 1;
    if (in.size() < q + 3 || in[q].shape.size() != 4 || in[q + 1].shape.size() != 4 || in[q + 2].shape.size() != 4)
      return -1;
    const Shape &qs = in[q].shape, &ks = in[q + 1].shape, &vs = in[q + 2].shape;
    const double flops = 2 * product(qs, 0, 3) * static_cast<double>(ks[1]) * static_cast<double>(qs[3] + vs[3]);
    return name == "attention" ? flops : 2 * flops;
  }
  return -1;
}
}  // namespace

double node_cost(const Node& node, const std::vector<TensorSpec>& inputs, const std::vector<TensorSpec>& outputs) {
  const double flops = gemm_flops(node, inputs, outputs);
  if (flops >= 0) return flops;
  double cost = 0;
  for (const TensorSpec& s : inputs) cost += elements(s.shape);
  for (const TensorSpec& s : outputs) cost += elements(s.shape);
  return cost;
}

bool run_wave_concurrently(const std::vector<double>& costs) {
  if (costs.size() < 2) return false;
  const double total = std::accumulate(costs.begin(), costs.end(), 0.0);
  return total >= kMinConcurrentWaveCost && *std::max_element(costs.begin(), costs.end()) <= 0.5 * total;
}

std::vector<int> largest_first(const std::vector<double>& costs) {
  std::vector<int> order(costs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return costs[a] > costs[b]; });
  return order;
}

}  // namespace dagnet
