// Keras 3's SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax and Nadam updates, fused and in
// place (see ops/optimizers.cpp for the formulas).
#pragma once
#include <cstdint>

namespace dagnet::cpu {

// velocity may be null (momentum 0).
template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, double lr, double momentum, bool nesterov,
                double weight_decay = 0.0);

template <typename T>
void adam_update(T* param, const T* grad, T* m, T* v, T* v_hat, int64_t n, double lr, int64_t step, double beta_1,
                 double beta_2, double epsilon, double weight_decay = 0.0);

template <typename T>
void rmsprop_update(T* param, const T* grad, T* velocity, T* momentum_buffer, T* average_grad, int64_t n, double lr,
                    double rho, double momentum, double epsilon, double weight_decay = 0.0);

template <typename T>
void adagrad_update(T* param, const T* grad, T* accumulator, int64_t n, double lr, double epsilon,
                    double weight_decay = 0.0);

template <typename T>
void adadelta_update(T* param, const T* grad, T* accumulated_grad, T* accumulated_delta, int64_t n, double lr,
                     double rho, double epsilon, double weight_decay = 0.0);

template <typename T>
void adamax_update(T* param, const T* grad, T* m, T* u, int64_t n, double lr, int64_t step, double beta_1,
                   double beta_2, double epsilon, double weight_decay = 0.0);

// u_product: Keras's running product of the momentum schedule u_1 ... u_t, this step's included.
template <typename T>
void nadam_update(T* param, const T* grad, T* m, T* v, int64_t n, double lr, int64_t step, double u_product,
                  double beta_1, double beta_2, double epsilon, double weight_decay = 0.0);

}  // namespace dagnet::cpu
