// The recurrent cells' per-unit math and buffer offsets, written once for the CPU kernels
// (cpu/lstm.cpp, cpu/gru.cpp, cpu/simple_rnn.cpp) and the CUDA kernels (cuda/recurrent.cu):
// the CPU's NumPy-reference and finite-difference tests exercise exactly what the GPU runs.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/host_device.h"
#include "ops/kinds.h"

namespace dagnet {

// Rows of the (batch, time, width) buffers: batch-major; `t` is a time index (input order
// for projections and masks, processing order for outputs and saved activations).
DAGNET_HOST_DEVICE inline int64_t rnn_row(int64_t b, int64_t t, int64_t steps) { return b * steps + t; }

// The input step read at processing step t.
DAGNET_HOST_DEVICE inline int64_t rnn_input_step(int64_t t, int64_t steps, bool go_backwards) {
  return go_backwards ? steps - 1 - t : t;
}

template <typename T>
DAGNET_HOST_DEVICE T rnn_activate(RnnActivation a, T x) {
  using std::exp;
  using std::tanh;
  switch (a) {
    case RnnActivation::Tanh: return tanh(x);
    case RnnActivation::Sigmoid: return x >= T(0) ? T(1) / (T(1) + exp(-x)) : exp(x) / (T(1) + exp(x));
    case RnnActivation::HardSigmoid: {
      const T y = x / T(6) + T(0.5);
      return y < T(0) ? T(0) : (y > T(1) ? T(1) : y);
    }
    case RnnActivation::Relu: return x < T(0) ? T(0) : x;
    case RnnActivation::Linear: return x;
  }
  return x;
}

// The derivative, expressed through the activation's output y (what the kernels save).
template <typename T>
DAGNET_HOST_DEVICE T rnn_derivative_from_output(RnnActivation a, T y) {
  switch (a) {
    case RnnActivation::Tanh: return T(1) - y * y;
    case RnnActivation::Sigmoid: return y * (T(1) - y);
    case RnnActivation::HardSigmoid: return (y > T(0) && y < T(1)) ? T(1) / T(6) : T(0);
    case RnnActivation::Relu: return y > T(0) ? T(1) : T(0);
    case RnnActivation::Linear: return T(1);
  }
  return T(1);
}

// The gradient reaching a masked step's output is passed on to the previous output it
// repeated, or dropped when masked steps output zeros.
template <typename T>
DAGNET_HOST_DEVICE T rnn_masked_output_grad(T carried, T incoming, bool zero_output_for_mask) {
  return zero_output_for_mask ? T(0) : carried + incoming;
}

// ---- GRU ---------------------------------------------------------------------------------
// h~ = z h + (1 - z) hh.
template <typename T>
DAGNET_HOST_DEVICE T gru_new_state(T z, T h, T hh) {
  return z * h + (T(1) - z) * hh;
}

// One unit's gate gradients, given dh_new (the total gradient on h~), the saved gates z, r,
// hh (activated), hr_h (reset_after: the recurrent h-block with its bias), the previous
// state h, and the activations' derivatives at z, r and hh. Without reset_after, r's
// gradient needs d(r * hm) = dhh U_h^T first: dr is then gru_reset_grad_before().
template <typename T>
struct GruUnitGrads {
  T dz, dr, dhh;  // pre-activation gradients
  T d_hr_h;       // reset_after: the gradient on the recurrent h-block (hm U_h + b), dhh * r
  T dh_carry;     // the part of dh that flows straight through z
};

template <typename T>
DAGNET_HOST_DEVICE GruUnitGrads<T> gru_unit_grads(T dh_new, T z, T r, T hh, T hr_h, T h_prev, bool reset_after, T d_z,
                                                  T d_r, T d_hh) {
  GruUnitGrads<T> g;
  g.dz = dh_new * (h_prev - hh) * d_z;
  g.dhh = dh_new * (T(1) - z) * d_hh;
  g.dr = reset_after ? g.dhh * hr_h * d_r : T(0);
  g.d_hr_h = g.dhh * r;
  g.dh_carry = dh_new * z;
  return g;
}

// Without reset_after: r's pre-activation gradient from dq = d(r * hm) and hm.
template <typename T>
DAGNET_HOST_DEVICE T gru_reset_grad_before(T dq, T hm, T d_r) {
  return dq * hm * d_r;
}

// ---- LSTM --------------------------------------------------------------------------------
template <typename T>
struct LstmUnitGrads {
  T di, df, dg, do_, dc_carry;  // gate pre-activation gradients; dc flowing to c_{t-1}
};

// One unit's gradients from dh_new and dc (carried), the saved gates i, f, g, o
// (activated), a(c_t), c_{t-1}, and the activations' derivatives.
template <typename T>
DAGNET_HOST_DEVICE LstmUnitGrads<T> lstm_unit_grads(T dh_new, T dc, T i, T f, T g, T o, T act_c, T c_prev, T d_i, T d_f,
                                                    T d_g, T d_o, T d_act_c) {
  LstmUnitGrads<T> r;
  const T dc_new = dc + dh_new * o * d_act_c;
  r.di = dc_new * g * d_i;
  r.df = dc_new * c_prev * d_f;
  r.dg = dc_new * i * d_g;
  r.do_ = dh_new * act_c * d_o;
  r.dc_carry = dc_new * f;
  return r;
}

}  // namespace dagnet
