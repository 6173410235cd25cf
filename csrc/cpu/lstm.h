// LSTM over a whole sequence (Keras semantics: gates i, f, c, o; kernel (in, 4u),
// recurrent (u, 4u), bias (4u)), forward and backpropagation through time.
//
// Step t (processing order, see RnnShape):
//   z = x W + h U + b;  i, f, o = ra(z_i, z_f, z_o);  g = a(z_c)
//   c~ = f c + i g;  h~ = o a(c~)
//   a masked step (m = 0) keeps the state: c = m c~ + (1-m) c, h = m h~ + (1-m) h,
//   and repeats the previous output, which starts at zero: out_t = m h~ + (1-m) out_{t-1}
//   (zeros instead with zero_output_for_mask).
// Recurrent dropout multiplies h by a fixed (batch, units) mask r where it feeds the
// recurrence: z = x W + (h * r) U + b (one mask per sequence, as Keras draws it).
// The input projection x W + b runs as one GEMM for all steps before the loop; only
// h U stays inside it. Saved for backward (processing order): activated gates, cells c
// and states h after every step.
#pragma once
#include <cstdint>

#include "cpu/rnn_common.h"

namespace dagnet::cpu {

using LstmShape = RnnShape;

template <typename T>
struct LstmForward {
  const T *x, *kernel, *recurrent, *bias, *h0, *c0;  // h0/c0 may be null (zeros)
  const double* mask;                                 // (batch, steps) or null
  const T* recurrent_mask;  // (batch, units) or null: recurrent dropout, z += (h * m) U at every step
  T *output, *h_last, *c_last;
  T *gates, *cells, *hiddens;  // saved for backward; all null when nothing needs them
  T* scratch;                  // lstm_forward_scratch elements
};

template <typename T>
struct LstmBackward {
  const T *d_output, *d_h_last, *d_c_last;
  const T *x, *kernel, *recurrent, *h0, *c0;
  const double* mask;
  const T* recurrent_mask;  // as in LstmForward
  const T *gates, *cells, *hiddens;
  T *dx, *d_kernel, *d_recurrent, *d_bias, *d_h0, *d_c0;  // d_h0/d_c0 may be null
  T* scratch;  // lstm_backward_scratch elements
};

int64_t lstm_forward_scratch(const LstmShape& s);
int64_t lstm_backward_scratch(const LstmShape& s);

template <typename T>
void lstm_forward(const LstmShape& s, const LstmForward<T>& a);
template <typename T>
void lstm_backward(const LstmShape& s, const LstmBackward<T>& a);

}  // namespace dagnet::cpu
