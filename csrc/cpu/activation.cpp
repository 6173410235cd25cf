#include "cpu/activation.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "core/error.h"
#include "core/thread_pool.h"
#include "cpu/activation_rows.h"

namespace dagnet::cpu {

namespace {
constexpr int64_t kGrain = 1 << 14;

template <typename T>
void elementwise(Activation act, T alpha, const T* x, T* y, int64_t b, int64_t e) {
  if constexpr (std::is_same_v<T, float>) {  // polynomial forms, vectorised for the CPU's ISA
    if (act == Activation::Elu || act == Activation::Sigmoid || act == Activation::Tanh) {
      static const ActivationRows rows = activation_rows_for_cpu();
      rows(act, alpha, x + b, y + b, e - b);
      return;
    }
  }
  switch (act) {
    case Activation::Linear:
      if (x != y) std::copy(x + b, x + e, y + b);
      break;
    case Activation::Relu:
      for (int64_t k = b; k < e; ++k) y[k] = relu_value(x[k]);
      break;
    case Activation::Elu:
      for (int64_t k = b; k < e; ++k) y[k] = elu_value(x[k], alpha);
      break;
    case Activation::Sigmoid:
      for (int64_t k = b; k < e; ++k) y[k] = sigmoid_value(x[k]);
      break;
    case Activation::Tanh:
      for (int64_t k = b; k < e; ++k) y[k] = std::tanh(x[k]);
      break;
    case Activation::Softmax: break;
  }
}

// Calls fn(outer_index, inner_index) for every softmax line, in parallel.
template <typename Fn>
void for_each_line(const ActivationLayout& l, Fn fn) {
  int64_t lines = l.outer * l.inner;
  parallel_for(lines, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, l.length)), [&](int64_t b, int64_t e) {
    for (int64_t line = b; line < e; ++line) fn(line / l.inner, line % l.inner);
  });
}
}  // namespace

template <typename T>
void activation_forward(Activation act, double alpha_d, const ActivationLayout& layout, const T* x, T* y) {
  const int64_t n = layout.size();
  const T alpha = static_cast<T>(alpha_d);
  if (act == Activation::Softmax) {
    if (layout.length == 0) return;  // an empty softmax axis: no element, and no x[base] to start from
    for_each_line(layout, [&](int64_t o, int64_t i) {
      const int64_t base = o * layout.length * layout.inner + i, stride = layout.inner;
      T m = x[base];
      for (int64_t k = 1; k < layout.length; ++k) m = std::max(m, x[base + k * stride]);
      T sum = 0;
      for (int64_t k = 0; k < layout.length; ++k) {
        T e = std::exp(x[base + k * stride] - m);
        y[base + k * stride] = e;
        sum += e;
      }
      T inv = T(1) / sum;
      for (int64_t k = 0; k < layout.length; ++k) y[base + k * stride] *= inv;
    });
    return;
  }
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) { elementwise(act, alpha, x, y, b, e); });
}

template <typename T>
void activation_forward_serial(Activation act, double alpha, const T* x, T* y, int64_t n) {
  elementwise(act, static_cast<T>(alpha), x, y, 0, n);
}

template <typename T>
void activation_backward(Activation act, double alpha_d, const ActivationLayout& layout, const T* dy, const T* y,
                         T* dx) {
  const int64_t n = layout.size();
  const T alpha = static_cast<T>(alpha_d);
  if (act == Activation::Softmax) {
    // dx_k = y_k * (dy_k - sum_j dy_j y_j)
    for_each_line(layout, [&](int64_t o, int64_t i) {
      const int64_t base = o * layout.length * layout.inner + i, stride = layout.inner;
      T dot = 0;
      for (int64_t k = 0; k < layout.length; ++k) dot += dy[base + k * stride] * y[base + k * stride];
      for (int64_t k = 0; k < layout.length; ++k) {
        int64_t at = base + k * stride;
        dx[at] = y[at] * (dy[at] - dot);
      }
    });
    return;
  }
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    switch (act) {
      case Activation::Linear:
        if (dx != dy) std::copy(dy + b, dy + e, dx + b);
        break;
      // Loads before the select (ops/activation_math.h): a conditional load keeps the
      // compiler from vectorising (dx may alias dy), and a branch on random signs
      // mispredicts half the time.
      case Activation::Relu:
        for (int64_t k = b; k < e; ++k) {
          const T g = dy[k];
          dx[k] = relu_grad(g, y[k]);
        }
        break;
      case Activation::Elu:
        for (int64_t k = b; k < e; ++k) {
          const T g = dy[k], v = y[k];
          dx[k] = elu_grad(g, v, alpha);
        }
        break;
      case Activation::Sigmoid:
        for (int64_t k = b; k < e; ++k) dx[k] = sigmoid_grad(dy[k], y[k]);
        break;
      case Activation::Tanh:
        for (int64_t k = b; k < e; ++k) dx[k] = tanh_grad(dy[k], y[k]);
        break;
      case Activation::Softmax: break;
    }
  });
}

template void activation_forward<float>(Activation, double, const ActivationLayout&, const float*, float*);
template void activation_forward<double>(Activation, double, const ActivationLayout&, const double*, double*);
template void activation_forward_serial<float>(Activation, double, const float*, float*, int64_t);
template void activation_forward_serial<double>(Activation, double, const double*, double*, int64_t);
template void activation_backward<float>(Activation, double, const ActivationLayout&, const float*, const float*,
                                         float*);
template void activation_backward<double>(Activation, double, const ActivationLayout&, const double*, const double*,
                                          double*);

}  // namespace dagnet::cpu
