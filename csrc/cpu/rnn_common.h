// What the recurrent kernels (lstm, gru, simple_rnn) share: the cell activations and
// their derivatives, the per-step recurrent product, and how the batch is split between
// threads. Every cell runs the same plan: the input projection x W + b for all steps as
// one GEMM before the loop, then per step only the small h U product and the fused gate
// math; the batch rows recur independently, so each thread runs the whole time loop on
// its own slice of rows with no synchronisation per step.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "core/thread_pool.h"
#include "cpu/activation_rows.h"
#include "cpu/gemm.h"
#include "ops/recurrent_math.h"
#include "ops/recurrent_plan.h"

namespace dagnet::cpu {

using dagnet::RnnActivation;

using dagnet::RnnShape;

using dagnet::rnn_activate;
using dagnet::rnn_derivative_from_output;

// memcpy of n elements; n may be 0 with null pointers (an empty batch has no buffers).
template <typename T>
void copy_rows(T* dst, const T* src, int64_t n) {
  if (n > 0) std::memcpy(dst, src, sizeof(T) * static_cast<size_t>(n));
}

// Calls body(d_recurrent_activation, d_activation), functors giving each derivative from
// the activation's output: inlined for the default sigmoid / tanh pair, so the backward's
// gate loops vectorise; a switch per element for the others.
template <typename T, typename Body>
void with_rnn_derivatives(RnnActivation recurrent_activation, RnnActivation activation, Body&& body) {
  if (recurrent_activation == RnnActivation::Sigmoid && activation == RnnActivation::Tanh) {
    body([](T y) { return y * (T(1) - y); }, [](T y) { return T(1) - y * y; });
  } else {
    body([recurrent_activation](T y) { return rnn_derivative_from_output(recurrent_activation, y); },
         [activation](T y) { return rnn_derivative_from_output(activation, y); });
  }
}

// y[k] = f(x[k]) (y may be x); float32 sigmoid / tanh take the per-ISA vectorised runs.
template <typename T>
void rnn_apply_activation(RnnActivation f, const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (f == RnnActivation::Sigmoid || f == RnnActivation::Tanh) {
      static const ActivationRows rows = activation_rows_for_cpu();
      rows(f == RnnActivation::Sigmoid ? Activation::Sigmoid : Activation::Tanh, 0.0f, x, y, n);
      return;
    }
  }
  for (int64_t k = 0; k < n; ++k) y[k] = rnn_activate(f, x[k]);
}

// A recurrent weight matrix as the per-step product reads it: `cols` columns of a
// row-major (depth, ld) matrix starting at `data`. When `cols` is not a multiple of the
// micro-kernel's width, its last partial panel is copied once per sequence into `tail`
// (depth x NR, zero-padded), so every step runs on the micro-kernel.
struct RecurrentMatrix {
  const float* data;
  int64_t depth, ld, cols;
  const float* tail;   // the padded last panel, or null when cols is a multiple of NR
  const float* zeros;  // depth zeros: the A rows of a partial row tile
};

// Scratch floats recurrent_matrix() needs for `cols` columns of depth `depth` (tail + zeros).
int64_t recurrent_matrix_scratch(int64_t depth, int64_t cols);
// Describes (and, when needed, pads the tail of) the matrix; `scratch` holds
// recurrent_matrix_scratch(depth, cols) floats.
RecurrentMatrix recurrent_matrix(const float* data, int64_t depth, int64_t ld, int64_t cols, float* scratch);

// Z[r, 0:cols] (+)= A[r, :] M for `rows` rows of A (row stride lda) and Z (row stride ldz),
// straight on the micro-kernel (A rows read in place, M's columns in place): at these sizes
// packing and blocking cost more than the product.
void recurrent_product(const float* a, int64_t lda, int64_t rows, const RecurrentMatrix& m, float* z, int64_t ldz,
                       bool accumulate);

// Z (+)= A M for `rows` rows: float32 on the micro-kernel through `fast` (made by
// recurrent_matrix), anything else (or a null `fast`) through the general GEMM.
template <typename T>
void rnn_step_product(const T* a, int64_t lda, int64_t rows, const T* m, int64_t depth, int64_t ldm, int64_t cols,
                      const RecurrentMatrix* fast, T* z, int64_t ldz, bool accumulate) {
  if constexpr (std::is_same_v<T, float>) {
    if (fast) {
      recurrent_product(a, lda, rows, *fast, z, ldz, accumulate);
      return;
    }
  }
  gemm<T>(false, false, rows, cols, depth, a, lda, m, ldm, z, ldz, accumulate);
}

// out (rows, cols) = x (rows, features) kernel (features, cols) + bias: the input
// projection of every step at once.
template <typename T>
void rnn_input_projection(const T* x, int64_t rows, int64_t features, const T* kernel, int64_t cols, const T* bias,
                          T* out);

// The input side of the backward pass, one GEMM each over all steps: dx = dg kernel^T,
// d_kernel = x^T dg (zeros when there are no rows).
template <typename T>
void rnn_input_gradients(const T* x, const T* dg, int64_t rows, int64_t features, int64_t cols, const T* kernel, T* dx,
                         T* d_kernel);

// U^T (cols x units) as a RecurrentMatrix, for the backward's per-step products dg U^T:
// written into `scratch` (transposed_recurrent_scratch(units, cols) floats) once per call.
int64_t transposed_recurrent_scratch(int64_t units, int64_t cols);
RecurrentMatrix transposed_recurrent(const float* recurrent, int64_t units, int64_t cols, float* scratch);
// Rows [first, first + depth) of a RecurrentMatrix (a block of gates of U^T).
RecurrentMatrix recurrent_rows(const RecurrentMatrix& m, int64_t first, int64_t depth);

// dh (+)= (dg U^T) * m_rec for `rows` rows: the recurrence's part of the state gradient,
// with dg's rows `lddg` apart and U (units, cols). `transposed` (float32: U^T made by
// transposed_recurrent) runs it on the micro-kernel; null takes the general GEMM. Without
// a recurrent dropout mask (null) the product accumulates straight into dh; with one it
// goes through `through` (rows, units) first.
template <typename T>
void rnn_state_gradient(const T* dg, int64_t lddg, int64_t rows, const T* recurrent, int64_t units, int64_t cols,
                        const RecurrentMatrix* transposed, const T* recurrent_mask, T* through, T* dh) {
  T* target = recurrent_mask ? through : dh;
  bool done = false;
  if constexpr (std::is_same_v<T, float>) {
    if (transposed) {
      recurrent_product(dg, lddg, rows, *transposed, target, units, !recurrent_mask);
      done = true;
    }
  }
  if (!done) gemm<T>(false, true, rows, units, cols, dg, lddg, recurrent, cols, target, units, !recurrent_mask);
  if (recurrent_mask)
    for (int64_t i = 0; i < rows * units; ++i) dh[i] += through[i] * recurrent_mask[i];
}

// The state as the step's recurrence reads it for rows [b0, b1) of h (B, units): h itself,
// or h * m_rec written into `dropped` (same layout) when there is a recurrent dropout mask.
template <typename T>
const T* rnn_recurrent_input(const T* h, const T* recurrent_mask, int64_t b0, int64_t b1, int64_t units, T* dropped) {
  if (!recurrent_mask) return h + b0 * units;
  for (int64_t i = b0 * units; i < b1 * units; ++i) dropped[i] = h[i] * recurrent_mask[i];
  return dropped + b0 * units;
}

// The end of a forward step for one row whose state hb is already updated (when valid):
// its output ob (the new state, or zeros / unchanged for a masked step) and what the step
// writes out (the saved state row and the output sequence row, where there are some).
template <typename T>
void rnn_finish_row(const RnnShape& s, bool valid, const T* hb, T* ob, T* hiddens_row, T* output_row) {
  if (valid) {
    copy_rows(ob, hb, s.units);
  } else if (s.zero_output_for_mask) {
    std::memset(ob, 0, sizeof(T) * s.units);
  }
  if (hiddens_row) copy_rows(hiddens_row, hb, s.units);
  if (output_row) copy_rows(output_row, ob, s.units);
}

// The last output (without return_sequences) and the final state, after the loop.
template <typename T>
void rnn_write_final(const RnnShape& s, const T* out, const T* h, T* output, T* h_last) {
  if (!s.return_sequences) copy_rows(output, out, s.batch * s.units);
  copy_rows(h_last, h, s.batch * s.units);
}

// Backward: the state that fed a step's recurrence (h_{t-1} * m_rec; zeros before the first
// step without an initial state), into hm.
template <typename T>
void rnn_fed_state(const T* h_prev, const T* recurrent_mask_row, T* hm, int64_t units) {
  for (int64_t k = 0; k < units; ++k)
    hm[k] = h_prev ? (recurrent_mask_row ? h_prev[k] * recurrent_mask_row[k] : h_prev[k]) : T(0);
}

// Backward through a masked step: the state's gradient passes unchanged; the output's goes
// to the output it repeated (or nowhere with zero_output_for_mask). d_output_row may be null.
template <typename T>
void rnn_masked_step_grads(const RnnShape& s, const T* d_output_row, T* dout) {
  for (int64_t k = 0; k < s.units; ++k)
    dout[k] = rnn_masked_output_grad(dout[k], d_output_row ? d_output_row[k] : T(0), s.zero_output_for_mask);
}

// Treats denormal floats as zero (x86's FTZ and DAZ) on the calling thread while alive.
// Gradients decaying through a long sequence reach the denormal range (below 1e-38 in
// float32), where every multiply takes a slow microcode path; flushing them changes no
// result that matters and keeps backpropagation through time at full speed. TensorFlow
// runs its kernels the same way.
class FlushDenormals {
 public:
#if defined(__SSE__) || defined(__x86_64__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#endif
};

// Batch rows per task: an even share per thread (the recurrence itself is sequential in
// time), at most kGemmUniformRows so the per-step GEMMs give the same bits whatever the
// thread count (gemm.h).
int64_t rnn_batch_slice(int64_t batch);

// fn(b0, b1) for the batch in slices of rnn_batch_slice rows exactly, in parallel
// (parallel_for's grain is only a minimum: one thread would get the whole batch at once).
template <typename Fn>
void for_each_batch_slice(int64_t batch, Fn&& fn) {
  const int64_t rows = rnn_batch_slice(batch), slices = (batch + rows - 1) / rows;
  parallel_for(slices, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) fn(s * rows, std::min(batch, (s + 1) * rows));
  });
}

}  // namespace dagnet::cpu
