#include "cpu/optimizers.h"

#include <cmath>
#include <type_traits>

#include "core/thread_pool.h"
#include "ops/optimizer_math.h"

// Each update's options (weight decay, AMSGrad, Nesterov, centered, momentum) are fixed for
// the whole tensor, so every combination gets its own loop: with a branch per element, or a
// slot pointer that may be null, GCC leaves the loop scalar (~29 instructions per Adam
// parameter). The loops take __restrict pointers (a parameter, its gradient and its slots
// are distinct tensors) and are not inlined into the pool's lambda, where GCC would lose the
// restrict and test the five pointers for overlap at run time; so they vectorise plainly. Each element
// still goes through the shared ops/optimizer_math.h formulas in the same order, so the
// results are bit-identical to the scalar loops (no reassociation; baseline x86-64 has no
// FMA to contract into).
namespace dagnet::cpu {

namespace {
// Calls f(std::true_type) or f(std::false_type): the code under it is compiled per value.
template <typename F>
void with_flag(bool flag, F&& f) {
  if (flag) f(std::true_type{});
  else f(std::false_type{});
}

// An optional slot's element goes through a local copy: the shared step tests its pointer
// for null, and only the address of a local is provably non-null to GCC (with `slot + i`
// the test stays in the loop and keeps it scalar).
template <typename On, typename T>
struct SlotElement {
  T value{};
  SlotElement(const T* slot, int64_t i) {
    if constexpr (On::value) value = slot[i];
  }
  T* pointer() { return On::value ? &value : nullptr; }
  void store(T* slot, int64_t i) const {
    if constexpr (On::value) slot[i] = value;
  }
};

// Elements per chunk of the thread pool: a vectorised update costs ~1-2 ns per element, so
// a chunk is tens of microseconds, well above a hand-off, and a small tensor runs inline.
constexpr int64_t kGrain = 1 << 15;

template <typename T, typename Decay, typename Nesterov>
[[gnu::noinline]] void sgd_range(T lr, T momentum, T wd, T* __restrict param, const T* __restrict grad,
                                 T* __restrict velocity, int64_t begin, int64_t end) {
  for (int64_t k = begin; k < end; ++k) {
    if constexpr (Decay::value) decay_weight(param[k], wd, lr);
    sgd_momentum_step(param[k], grad[k], velocity[k], momentum, lr, Nesterov::value);
  }
}

template <typename T, typename Decay>
[[gnu::noinline]] void sgd_plain_range(T lr, T wd, T* __restrict param, const T* __restrict grad, int64_t begin,
                                       int64_t end) {
  for (int64_t k = begin; k < end; ++k) {
    if constexpr (Decay::value) decay_weight(param[k], wd, lr);
    param[k] -= lr * grad[k];
  }
}

template <typename T, typename Decay, typename Amsgrad>
[[gnu::noinline]] void adam_range(const AdamCoefs<T> c, T* __restrict param, const T* __restrict grad, T* __restrict m,
                                  T* __restrict v, T* __restrict v_hat, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (Decay::value) decay_weight(param[i], c.wd, c.lr);
    SlotElement<Amsgrad, T> maximum(v_hat, i);
    adam_step(c, param[i], grad[i], m[i], v[i], maximum.pointer());
    maximum.store(v_hat, i);
  }
}

template <typename T, typename Decay, typename Momentum, typename Centered>
[[gnu::noinline]] void rmsprop_range(const RmspropCoefs<T> c, T* __restrict param, const T* __restrict grad,
                                     T* __restrict velocity, T* __restrict momentum_buffer, T* __restrict average_grad,
                                     int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (Decay::value) decay_weight(param[i], c.wd, c.lr);
    SlotElement<Momentum, T> buffer(momentum_buffer, i);
    SlotElement<Centered, T> average(average_grad, i);
    rmsprop_step(c, param[i], grad[i], velocity[i], buffer.pointer(), average.pointer());
    buffer.store(momentum_buffer, i);
    average.store(average_grad, i);
  }
}

template <typename T, typename Decay>
[[gnu::noinline]] void adagrad_range(T lr, T eps, T wd, T* __restrict param, const T* __restrict grad,
                                     T* __restrict accumulator, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (Decay::value) decay_weight(param[i], wd, lr);
    adagrad_step(lr, eps, param[i], grad[i], accumulator[i]);
  }
}

template <typename T, typename Decay>
[[gnu::noinline]] void adadelta_range(const AdadeltaCoefs<T> c, T wd, T* __restrict param, const T* __restrict grad,
                                      T* __restrict accumulated_grad, T* __restrict accumulated_delta, int64_t begin,
                                      int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (Decay::value) decay_weight(param[i], wd, c.lr);
    adadelta_step(c, param[i], grad[i], accumulated_grad[i], accumulated_delta[i]);
  }
}

template <typename T, typename Decay>
[[gnu::noinline]] void adamax_range(const AdamaxCoefs<T> c, T wd, T* __restrict param, const T* __restrict grad,
                                    T* __restrict m, T* __restrict u, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (Decay::value) decay_weight(param[i], wd, c.lr);
    adamax_step(c, param[i], grad[i], m[i], u[i]);
  }
}

template <typename T, typename Decay>
[[gnu::noinline]] void nadam_range(const NadamCoefs<T> c, T wd, T* __restrict param, const T* __restrict grad,
                                   T* __restrict m, T* __restrict v, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    if constexpr (Decay::value) decay_weight(param[i], wd, c.lr);
    nadam_step(c, param[i], grad[i], m[i], v[i]);
  }
}
}  // namespace

template <typename T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, double lr_d, double momentum_d, bool nesterov,
                double weight_decay) {
  const T lr = static_cast<T>(lr_d), m = static_cast<T>(momentum_d), wd = static_cast<T>(weight_decay);
  with_flag(weight_decay != 0, [&](auto decay) {
    using Decay = decltype(decay);
    if (!velocity) {
      parallel_for(n, kGrain, [&](int64_t b, int64_t e) { sgd_plain_range<T, Decay>(lr, wd, param, grad, b, e); });
      return;
    }
    with_flag(nesterov, [&](auto nest) {
      parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
        sgd_range<T, Decay, decltype(nest)>(lr, m, wd, param, grad, velocity, b, e);
      });
    });
  });
}

template void sgd_update<float>(float*, const float*, float*, int64_t, double, double, bool, double);
template void sgd_update<double>(double*, const double*, double*, int64_t, double, double, bool, double);

template <typename T>
void adam_update(T* param, const T* grad, T* m, T* v, T* v_hat, int64_t n, double lr, int64_t step, double beta_1,
                 double beta_2, double epsilon, double weight_decay) {
  const AdamCoefs<T> c = adam_coefs<T>(lr, step, beta_1, beta_2, epsilon, weight_decay);
  with_flag(weight_decay != 0, [&](auto decay) {
    with_flag(v_hat != nullptr, [&](auto amsgrad) {
      parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
        adam_range<T, decltype(decay), decltype(amsgrad)>(c, param, grad, m, v, v_hat, b, e);
      });
    });
  });
}

template <typename T>
void rmsprop_update(T* param, const T* grad, T* velocity, T* momentum_buffer, T* average_grad, int64_t n, double lr_d,
                    double rho_d, double momentum_d, double epsilon_d, double weight_decay) {
  const RmspropCoefs<T> c{static_cast<T>(lr_d), static_cast<T>(rho_d), static_cast<T>(momentum_d),
                          static_cast<T>(epsilon_d), static_cast<T>(weight_decay)};
  with_flag(weight_decay != 0, [&](auto decay) {
    with_flag(momentum_buffer != nullptr, [&](auto momentum) {
      with_flag(average_grad != nullptr, [&](auto centered) {
        parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
          rmsprop_range<T, decltype(decay), decltype(momentum), decltype(centered)>(
              c, param, grad, velocity, momentum_buffer, average_grad, b, e);
        });
      });
    });
  });
}

template void adam_update<float>(float*, const float*, float*, float*, float*, int64_t, double, int64_t, double, double,
                                 double, double);
template void adam_update<double>(double*, const double*, double*, double*, double*, int64_t, double, int64_t, double,
                                  double, double, double);
template void rmsprop_update<float>(float*, const float*, float*, float*, float*, int64_t, double, double, double,
                                    double, double);
template void rmsprop_update<double>(double*, const double*, double*, double*, double*, int64_t, double, double, double,
                                     double, double);

template <typename T>
void adagrad_update(T* param, const T* grad, T* accumulator, int64_t n, double lr_d, double epsilon_d,
                    double weight_decay) {
  const T lr = static_cast<T>(lr_d), eps = static_cast<T>(epsilon_d), wd = static_cast<T>(weight_decay);
  with_flag(weight_decay != 0, [&](auto decay) {
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      adagrad_range<T, decltype(decay)>(lr, eps, wd, param, grad, accumulator, b, e);
    });
  });
}

template <typename T>
void adadelta_update(T* param, const T* grad, T* accumulated_grad, T* accumulated_delta, int64_t n, double lr_d,
                     double rho_d, double epsilon_d, double weight_decay) {
  const AdadeltaCoefs<T> c{static_cast<T>(lr_d), static_cast<T>(rho_d), static_cast<T>(1 - rho_d),
                           static_cast<T>(epsilon_d)};
  const T wd = static_cast<T>(weight_decay);
  with_flag(weight_decay != 0, [&](auto decay) {
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      adadelta_range<T, decltype(decay)>(c, wd, param, grad, accumulated_grad, accumulated_delta, b, e);
    });
  });
}

template <typename T>
void adamax_update(T* param, const T* grad, T* m, T* u, int64_t n, double lr_d, int64_t step, double beta_1,
                   double beta_2, double epsilon_d, double weight_decay) {
  const AdamaxCoefs<T> c = adamax_coefs<T>(lr_d, step, beta_1, beta_2, epsilon_d);
  const T wd = static_cast<T>(weight_decay);
  with_flag(weight_decay != 0, [&](auto decay) {
    parallel_for(n, kGrain,
                 [&](int64_t b, int64_t e) { adamax_range<T, decltype(decay)>(c, wd, param, grad, m, u, b, e); });
  });
}

template <typename T>
void nadam_update(T* param, const T* grad, T* m, T* v, int64_t n, double lr_d, int64_t step, double u_product,
                  double beta_1, double beta_2, double epsilon_d, double weight_decay) {
  const NadamCoefs<T> c = nadam_coefs<T>(lr_d, step, u_product, beta_1, beta_2, epsilon_d);
  const T wd = static_cast<T>(weight_decay);
  with_flag(weight_decay != 0, [&](auto decay) {
    parallel_for(n, kGrain,
                 [&](int64_t b, int64_t e) { nadam_range<T, decltype(decay)>(c, wd, param, grad, m, v, b, e); });
  });
}

#define DAGNET_INSTANTIATE_OPTIMIZERS(T)                                                                          \
  template void adagrad_update<T>(T*, const T*, T*, int64_t, double, double, double);                             \
  template void adadelta_update<T>(T*, const T*, T*, T*, int64_t, double, double, double, double);                \
  template void adamax_update<T>(T*, const T*, T*, T*, int64_t, double, int64_t, double, double, double, double); \
  template void nadam_update<T>(T*, const T*, T*, T*, int64_t, double, int64_t, double, double, double, double, double);
DAGNET_INSTANTIATE_OPTIMIZERS(float)
DAGNET_INSTANTIATE_OPTIMIZERS(double)
#undef DAGNET_INSTANTIATE_OPTIMIZERS

}  // namespace dagnet::cpu
