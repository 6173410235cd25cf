// The elementwise activations of dense's fused epilogue (every Activation but softmax,
// which needs whole rows), for one value. The CUDA dense epilogue calls it; the CPU runs
// its vectorized rows (cpu/activation_rows_body.h) of the same formulas.
#pragma once
#include <cmath>

#include "ops/host_device.h"
#include "ops/kinds.h"

namespace dagnet {

template <typename T>
DAGNET_HOST_DEVICE inline T activation_value(Activation act, T v, T alpha) {
#if defined(__CUDA_ARCH__)
  switch (act) {
    case Activation::Relu: return v < T(0) ? T(0) : v;  // NaN stays NaN, as in TF
    case Activation::Elu: return v > T(0) ? v : alpha * expm1(v);
    case Activation::Sigmoid: return T(1) / (T(1) + exp(-v));
    case Activation::Tanh: return tanh(v);
    default: return v;
  }
#else
  switch (act) {
    case Activation::Relu: return v < T(0) ? T(0) : v;
    case Activation::Elu: return v > T(0) ? v : alpha * std::expm1(v);
    case Activation::Sigmoid: return T(1) / (T(1) + std::exp(-v));
    case Activation::Tanh: return std::tanh(v);
    default: return v;
  }
#endif
}

}  // namespace dagnet
