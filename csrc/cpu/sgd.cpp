#include "cpu/sgd.h"

#include "core/thread_pool.h"

namespace dagnet::cpu {

template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, double lr_d, double momentum_d, bool nesterov,
                double weight_decay) {
  const T lr = static_cast<T>(lr_d), m = static_cast<T>(momentum_d), wd = static_cast<T>(weight_decay);
  parallel_for(n, 1 << 15, [&](int64_t b, int64_t e) {
    if (weight_decay != 0)
      for (int64_t k = b; k < e; ++k) param[k] -= param[k] * wd * lr;
    if (!velocity) {
      for (int64_t k = b; k < e; ++k) param[k] -= lr * grad[k];
      return;
    }
    for (int64_t k = b; k < e; ++k) {
      T v = m * velocity[k] - lr * grad[k];
      velocity[k] = v;
      param[k] += nesterov ? m * v - lr * grad[k] : v;
    }
  });
}

template void sgd_update<float>(float*, const float*, float*, int64_t, double, double, bool, double);
template void sgd_update<double>(double*, const double*, double*, int64_t, double, double, bool, double);

}  // namespace dagnet::cpu
