// Shared body of the per-ISA activation runs (included by each ISA's file so the same
// source is vectorised for that ISA's registers). Not a public header.
#include "cpu/fast_math.h"

namespace {
void activation_rows_impl(dagnet::cpu::Activation act, float alpha, const float* x, float* y, int64_t n) {
  using dagnet::cpu::Activation;
  switch (act) {
    case Activation::Relu:
      for (int64_t k = 0; k < n; ++k) y[k] = x[k] < 0.0f ? 0.0f : x[k];  // NaN stays NaN, as in TF
      return;
    case Activation::Elu:
      for (int64_t k = 0; k < n; ++k) {
        const float v = x[k], below = alpha * dagnet::cpu::fast_expm1(v);
        y[k] = v > 0.0f ? v : below;
      }
      return;
    case Activation::Sigmoid:
      for (int64_t k = 0; k < n; ++k) y[k] = dagnet::cpu::fast_sigmoid(x[k]);
      return;
    case Activation::Tanh:
      for (int64_t k = 0; k < n; ++k) y[k] = dagnet::cpu::fast_tanh(x[k]);
      return;
    case Activation::Linear:
      if (x != y)
        for (int64_t k = 0; k < n; ++k) y[k] = x[k];
      return;
    case Activation::Softmax: return;  // not elementwise: callers handle it
  }
}
}  // namespace
