// GRU over a whole sequence with Keras's semantics and layout: kernel (in, 3u), recurrent
// (u, 3u), gate blocks z, r, h. Forward and backpropagation through time.
//
// Step t (processing order, see RnnShape), with hm = h * m_rec (m_rec: recurrent
// dropout's fixed (batch, u) mask, or 1) and xp = x W + b_in:
//   reset_after (Keras's default; bias (2, 3u) = [b_in; b_rec]):
//     hr = hm U + b_rec;  z = ra(xp_z + hr_z);  r = ra(xp_r + hr_r);  hh = a(xp_h + r * hr_h)
//   not reset_after (bias (3u,) = b_in):
//     z = ra(xp_z + hm U_z);  r = ra(xp_r + hm U_r);  hh = a(xp_h + (r * hm) U_h)
//   h~ = z * h + (1 - z) * hh; masking as RnnShape says.
// x W + b_in runs as one GEMM for all steps before the loop. Saved for backward
// (processing order): the activated gates z, r, hh (and hr_h with reset_after) and the
// state h after every step.
#pragma once
#include <cstdint>

#include "cpu/rnn_common.h"

namespace dagnet::cpu {

using GruShape = RnnShape;

// Columns of the saved gates: z, r, hh (and hr_h with reset_after).
inline int64_t gru_saved_gate_width(const GruShape& s) { return (s.reset_after ? 4 : 3) * s.units; }

template <typename T>
struct GruForward {
  const T *x, *kernel, *recurrent, *bias;  // bias (3u) or, with reset_after, (2, 3u)
  const T* h0;                              // (batch, u) or null (zeros)
  const double* mask;                       // (batch, steps) or null
  const T* recurrent_mask;                  // (batch, u) or null
  T *output, *h_last;
  T *gates, *hiddens;  // saved for backward; null when nothing needs them
  T* scratch;          // gru_forward_scratch elements
};

template <typename T>
struct GruBackward {
  const T *d_output, *d_h_last;
  const T *x, *kernel, *recurrent, *h0;
  const double* mask;
  const T* recurrent_mask;
  const T *gates, *hiddens;
  T *dx, *d_kernel, *d_recurrent, *d_bias, *d_h0;  // d_h0 may be null
  T* scratch;                                      // gru_backward_scratch elements
};

int64_t gru_forward_scratch(const GruShape& s);
int64_t gru_backward_scratch(const GruShape& s);

template <typename T>
void gru_forward(const GruShape& s, const GruForward<T>& a);
template <typename T>
void gru_backward(const GruShape& s, const GruBackward<T>& a);

}  // namespace dagnet::cpu
