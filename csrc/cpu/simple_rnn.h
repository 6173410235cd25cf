// SimpleRNN over a whole sequence (Keras semantics and layout: kernel (in, u), recurrent
// (u, u), bias (u,)), forward and backpropagation through time.
//
// Step t (processing order, see RnnShape): h~ = a(x W + b + (h * m_rec) U), with m_rec
// recurrent dropout's fixed (batch, u) mask (or 1); masking as RnnShape says. x W + b runs
// as one GEMM for all steps before the loop. Saved for backward: the state after every step.
#pragma once
#include <cstdint>

#include "cpu/rnn_common.h"

namespace dagnet::cpu {

template <typename T>
struct SimpleRnnForward {
  const T *x, *kernel, *recurrent, *bias;
  const T* h0;               // (batch, u) or null (zeros)
  const double* mask;        // (batch, steps) or null
  const T* recurrent_mask;   // (batch, u) or null
  T *output, *h_last;
  T* hiddens;  // saved for backward; null when nothing needs it
  T* scratch;  // simple_rnn_forward_scratch elements
};

template <typename T>
struct SimpleRnnBackward {
  const T *d_output, *d_h_last;
  const T *x, *kernel, *recurrent, *h0;
  const double* mask;
  const T* recurrent_mask;
  const T* hiddens;
  T *dx, *d_kernel, *d_recurrent, *d_bias, *d_h0;  // d_h0 may be null
  T* scratch;                                      // simple_rnn_backward_scratch elements
};

int64_t simple_rnn_forward_scratch(const RnnShape& s);
int64_t simple_rnn_backward_scratch(const RnnShape& s);

template <typename T>
void simple_rnn_forward(const RnnShape& s, const SimpleRnnForward<T>& a);
template <typename T>
void simple_rnn_backward(const RnnShape& s, const SimpleRnnBackward<T>& a);

}  // namespace dagnet::cpu
