// Keras's SGD update, in place:
//   plain:     p -= lr * g
//   momentum:  v = m * v - lr * g;  p += v            (nesterov: p += m * v - lr * g)
// weight_decay wd (Keras 3, before the update): p -= p * wd * lr
#pragma once
#include <cstdint>

namespace dagnet::cpu {

template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, double lr, double momentum, bool nesterov,
                double weight_decay = 0.0);

}  // namespace dagnet::cpu
