// The activation op's prepared state and per-element formulas, written once for the CPU
// kernels (cpu/activation.cpp: the scalar paths; float ELU, sigmoid and tanh take the
// vectorised rows of cpu/activation_rows) and the CUDA kernels (cuda/activation.cu), so the
// CPU tests exercise the formulas the device runs. Gradients are written in terms of the
// activation's output y, so the backward pass never needs the pre-activation input.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/host_device.h"
#include "ops/kinds.h"

namespace dagnet {

// The tensor is viewed as outer x length x inner; softmax normalises along `length`,
// the others ignore the layout.
struct ActivationLayout {
  int64_t outer = 1, length = 1, inner = 1;
  DAGNET_HOST_DEVICE int64_t size() const { return outer * length * inner; }
};

// activation / activation_grad attributes and layout, parsed once per plan. `alpha` is ELU's.
struct ActivationPrepared {
  Activation act;
  double alpha;
  ActivationLayout layout;
};

template <typename T>
DAGNET_HOST_DEVICE inline T relu_value(T x) {
  return x < T(0) ? T(0) : x;  // NaN stays NaN, as in TF
}
template <typename T>
DAGNET_HOST_DEVICE inline T elu_value(T x, T alpha) {
  using std::expm1;
  return x > T(0) ? x : alpha * expm1(x);
}
template <typename T>
DAGNET_HOST_DEVICE inline T sigmoid_value(T x) {
  using std::exp;
  // Split by sign so exp never overflows.
  if (x >= 0) return T(1) / (T(1) + exp(-x));
  T e = exp(x);
  return e / (T(1) + e);
}

// dx from (dy, y). Loads happen before the select in the callers' loops: a conditional
// load keeps the compiler from vectorising (dx may alias dy).
template <typename T>
DAGNET_HOST_DEVICE inline T relu_grad(T g, T y) {
  return y > T(0) ? g : T(0);
}
template <typename T>
DAGNET_HOST_DEVICE inline T elu_grad(T g, T y, T alpha) {
  return y > T(0) ? g : g * (y + alpha);  // y > 0 exactly when x > 0; below, f'(x) = alpha e^x = y + alpha
}
template <typename T>
DAGNET_HOST_DEVICE inline T sigmoid_grad(T g, T y) {
  return g * y * (T(1) - y);
}
template <typename T>
DAGNET_HOST_DEVICE inline T tanh_grad(T g, T y) {
  return g * (T(1) - y * y);
}

// Any elementwise kind (not softmax), for kernels that switch per element.
template <typename T>
DAGNET_HOST_DEVICE inline T activation_value(Activation act, T x, T alpha) {
  using std::tanh;
  switch (act) {
    case Activation::Relu: return relu_value(x);
    case Activation::Elu: return elu_value(x, alpha);
    case Activation::Sigmoid: return sigmoid_value(x);
    case Activation::Tanh: return tanh(x);
    default: return x;  // linear (softmax is not elementwise)
  }
}
template <typename T>
DAGNET_HOST_DEVICE inline T activation_grad_value(Activation act, T g, T y, T alpha) {
  switch (act) {
    case Activation::Relu: return relu_grad(g, y);
    case Activation::Elu: return elu_grad(g, y, alpha);
    case Activation::Sigmoid: return sigmoid_grad(g, y);
    case Activation::Tanh: return tanh_grad(g, y);
    default: return g;
  }
}

}  // namespace dagnet
