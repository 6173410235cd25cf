#include "cpu/epilogue.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace dagnet::cpu {

template <typename T>
void bias_activation_rows(T* out, int64_t rows, int64_t cols, const T* bias, Activation act, double alpha) {
  if (!bias && act == Activation::Linear) return;
  parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    if (bias)
      for (int64_t r = b; r < e; ++r) {
        T* row = out + r * cols;
        for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
      }
    activation_forward<T>(act, alpha, ActivationLayout{e - b, cols, 1}, out + b * cols, out + b * cols);
  });
}

template void bias_activation_rows<float>(float*, int64_t, int64_t, const float*, Activation, double);
template void bias_activation_rows<double>(double*, int64_t, int64_t, const double*, Activation, double);

}  // namespace dagnet::cpu
