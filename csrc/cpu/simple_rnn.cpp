#include "cpu/simple_rnn.h"

#include <cstring>
#include <type_traits>

#include "core/thread_pool.h"
#include "cpu/elementwise.h"
#include "cpu/gemm.h"

namespace dagnet::cpu {

int64_t simple_rnn_forward_scratch(const RnnShape& s) {
  const int64_t B = s.batch, U = s.units;
  // projections for all steps; h, previous output, h * m_rec; the float32 matrix
  return B * s.steps * U + 3 * B * U + recurrent_matrix_scratch(U, U);
}

int64_t simple_rnn_backward_scratch(const RnnShape& s) {
  const int64_t B = s.batch, Tn = s.steps, U = s.units;
  // d pre-activation and hm (B, T, u) in input-time order; dh, d_out, a product buffer; U^T
  // for the float32 products
  return 2 * B * Tn * U + 3 * B * U + transposed_recurrent_scratch(U, U);
}

template <typename T>
void simple_rnn_forward(const RnnShape& s, const SimpleRnnForward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units;
  T* proj = a.scratch;  // (B, Tn, U): x W + b in input-time order
  T* h = proj + B * Tn * U;
  T* out = h + B * U;
  T* dropped = out + B * U;
  rnn_input_projection<T>(a.x, B * Tn, F, a.kernel, U, a.bias, proj);
  RecurrentMatrix fast;
  const RecurrentMatrix* fast_ptr = nullptr;
  if constexpr (std::is_same_v<T, float>) {
    fast = recurrent_matrix(a.recurrent, U, U, U, dropped + B * U);
    fast_ptr = &fast;
  }
  for (int64_t i = 0; i < B * U; ++i) {
    h[i] = a.h0 ? a.h0[i] : T(0);
    out[i] = T(0);
  }
  for_each_batch_slice(B, [&](int64_t b0, int64_t b1) {
    const FlushDenormals flush;
    for (int64_t t = 0; t < Tn; ++t) {
      const int64_t it = s.input_step(t);
      const T* hm = rnn_recurrent_input(h, a.recurrent_mask, b0, b1, U, dropped);
      rnn_step_product<T>(hm, U, b1 - b0, a.recurrent, U, U, U, fast_ptr, proj + rnn_row(b0, it, Tn) * U, Tn * U, true);
      for (int64_t b = b0; b < b1; ++b) {
        T* hb = h + b * U;
        const bool valid = !a.mask || a.mask[rnn_row(b, it, Tn)] != 0;
        if (valid) rnn_apply_activation(s.activation, proj + rnn_row(b, it, Tn) * U, hb, U);
        rnn_finish_row(s, valid, hb, out + b * U, a.hiddens ? a.hiddens + rnn_row(b, t, Tn) * U : nullptr,
                       s.return_sequences ? a.output + rnn_row(b, t, Tn) * U : nullptr);
      }
    }
  });
  rnn_write_final(s, out, h, a.output, a.h_last);
}

template <typename T>
void simple_rnn_backward(const RnnShape& s, const SimpleRnnBackward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units;
  T* dpre = a.scratch;              // (B, Tn, U), input-time order
  T* hm_all = dpre + B * Tn * U;    // (B, Tn, U): the state each step's recurrence read
  T* dh = hm_all + B * Tn * U;
  T* dout = dh + B * U;
  T* through = dout + B * U;
  for (int64_t i = 0; i < B * U; ++i) {
    dh[i] = a.d_h_last[i];
    dout[i] = s.return_sequences ? T(0) : a.d_output[i];
  }
  RecurrentMatrix ut{};
  const RecurrentMatrix* fast = nullptr;
  if constexpr (std::is_same_v<T, float>) {
    ut = transposed_recurrent(a.recurrent, U, U, through + B * U);
    fast = &ut;
  }
  // The activation is SimpleRNN's only one: it takes the "recurrent" slot of the dispatch.
  with_rnn_derivatives<T>(
      s.activation == RnnActivation::Tanh ? RnnActivation::Sigmoid : s.activation,
      s.activation == RnnActivation::Tanh ? RnnActivation::Tanh : s.activation, [&](auto, auto d_act) {
        for_each_batch_slice(B, [&](int64_t b0, int64_t b1) {
          const FlushDenormals flush;
          for (int64_t t = Tn - 1; t >= 0; --t) {
            const int64_t it = s.input_step(t);
            for (int64_t b = b0; b < b1; ++b) {
              const T* h_now = a.hiddens + rnn_row(b, t, Tn) * U;
              const T* h_prev = t > 0 ? a.hiddens + rnn_row(b, t - 1, Tn) * U : (a.h0 ? a.h0 + b * U : nullptr);
              const T* rm = a.recurrent_mask ? a.recurrent_mask + b * U : nullptr;
              T* dp = dpre + rnn_row(b, it, Tn) * U;
              T* hm = hm_all + rnn_row(b, it, Tn) * U;
              rnn_fed_state(h_prev, rm, hm, U);
              T* dhb = dh + b * U;
              T* doutb = dout + b * U;
              const T* dos = s.return_sequences ? a.d_output + rnn_row(b, t, Tn) * U : nullptr;
              if (a.mask && a.mask[rnn_row(b, it, Tn)] == 0) {
                rnn_masked_step_grads(s, dos, doutb);
                std::memset(dp, 0, sizeof(T) * U);
                continue;
              }
              for (int64_t k = 0; k < U; ++k) {
                const T dh_new = dhb[k] + doutb[k] + (dos ? dos[k] : T(0));
                doutb[k] = T(0);
                dp[k] = dh_new * d_act(h_now[k]);
                dhb[k] = T(0);  // replaced by the recurrence's part below
              }
            }
            rnn_state_gradient<T>(dpre + rnn_row(b0, it, Tn) * U, Tn * U, b1 - b0, a.recurrent, U, U, fast,
                                  a.recurrent_mask ? a.recurrent_mask + b0 * U : nullptr, through + b0 * U,
                                  dh + b0 * U);
          }
        });
      });
  rnn_input_gradients<T>(a.x, dpre, B * Tn, F, U, a.kernel, a.dx, a.d_kernel);
  gemm<T>(true, false, U, U, B * Tn, hm_all, U, dpre, U, a.d_recurrent, U, false);
  if (B * Tn == 0) fill<T>(a.d_recurrent, T(0), U * U);
  sum_rows<T>(dpre, B * Tn, U, a.d_bias);
  if (a.d_h0) copy_rows(a.d_h0, dh, B * U);
}

template void simple_rnn_forward<float>(const RnnShape&, const SimpleRnnForward<float>&);
template void simple_rnn_forward<double>(const RnnShape&, const SimpleRnnForward<double>&);
template void simple_rnn_backward<float>(const RnnShape&, const SimpleRnnBackward<float>&);
template void simple_rnn_backward<double>(const RnnShape&, const SimpleRnnBackward<double>&);

}  // namespace dagnet::cpu
