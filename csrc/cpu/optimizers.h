// Keras 3's Adam and RMSprop updates, fused and in place (see the op file for formulas).
#pragma once
#include <cstdint>

namespace dagnet::cpu {

template <typename T>
void adam_update(T* param, const T* grad, T* m, T* v, T* v_hat, int64_t n, double lr, int64_t step, double beta_1,
                 double beta_2, double epsilon, double weight_decay = 0.0);

template <typename T>
void rmsprop_update(T* param, const T* grad, T* velocity, T* momentum_buffer, T* average_grad, int64_t n, double lr,
                    double rho, double momentum, double epsilon, double weight_decay = 0.0);

}  // namespace dagnet::cpu
