// The float32 LSTM step's elementwise parts for one batch row, compiled once per ISA
// (lstm_gates_avx512.cpp, lstm_gates_avx2.cpp, and a baseline build) and chosen at run
// time, for the default activations (sigmoid gates, tanh cell).
#pragma once
#include <cstdint>

namespace dagnet::cpu {

// Forward: sigmoid / tanh of the four gate blocks of z into `gates`, then (when the step
// is valid) c = f c + i g and h = o tanh(c).
using LstmRowStep = void (*)(const float* z, float* gates, float* c, float* h, int64_t units, bool valid);

// Backward of one valid step: from the saved gates (i, f, g, o), c_t and c_{t-1} (null:
// zeros), the gradient on h_t (dh + d_out + d_seq, d_seq null when not returning
// sequences) and the carried dc, writes the gate pre-activation gradients dz (4 * units)
// and the dc carried to c_{t-1}; zeroes dh and d_out (dh is refilled by dz U^T). The
// formulas are ops/recurrent_math.h's lstm_unit_grads with the sigmoid / tanh derivatives
// written from their outputs, in the same order.
using LstmRowGrad = void (*)(const float* gates, const float* c_now, const float* c_prev, const float* d_seq, float* dh,
                             float* dc, float* d_out, float* dz, int64_t units);

struct LstmRowKernels {
  LstmRowStep step;
  LstmRowGrad grad;
};

LstmRowKernels lstm_row_kernels_avx512();
LstmRowKernels lstm_row_kernels_avx2();
LstmRowKernels lstm_row_kernels_baseline();
LstmRowKernels lstm_row_kernels_for_cpu();

}  // namespace dagnet::cpu
