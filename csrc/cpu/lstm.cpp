#include "cpu/lstm.h"

#include <cstring>
#include <type_traits>

#include "core/thread_pool.h"
#include "cpu/elementwise.h"
#include "cpu/gemm.h"
#include "cpu/lstm_gates.h"

namespace dagnet::cpu {

namespace {
// The four gate blocks of one row: i, f, o through the recurrent activation, c through the activation.
template <typename T>
void activate_gates(const LstmShape& s, const T* z, T* gates, int64_t units) {
  rnn_apply_activation(s.recurrent_activation, z, gates, 2 * units);
  rnn_apply_activation(s.activation, z + 2 * units, gates + 2 * units, units);
  rnn_apply_activation(s.recurrent_activation, z + 3 * units, gates + 3 * units, units);
}
}  // namespace

int64_t lstm_forward_scratch(const LstmShape& s) {
  const int64_t B = s.batch, U = s.units;
  // projections for all steps; h, c, previous output and h * m_rec; the gates of a step
  // when nothing is saved; the float32 recurrent matrix
  return B * s.steps * 4 * U + 4 * B * U + B * 4 * U + recurrent_matrix_scratch(U, 4 * U);
}

int64_t lstm_backward_scratch(const LstmShape& s) {
  const int64_t B = s.batch, Tn = s.steps, U = s.units;
  // dZ and H_prev (input-time order); dh, dc, d_out carries, a(c) rows and a product buffer;
  // U^T for the float32 products
  return B * Tn * 4 * U + B * Tn * U + 5 * B * U + transposed_recurrent_scratch(U, 4 * U);
}

template <typename T>
void lstm_forward(const LstmShape& s, const LstmForward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units, G = 4 * U;
  T* proj = a.scratch;  // (B, Tn, 4U): x W + b in input-time order
  T* h = proj + B * Tn * G;
  T* c = h + B * U;
  T* out = c + B * U;
  T* dropped = out + B * U;    // (B, U): h * m_rec
  T* gate_rows = dropped + B * U;  // (B, 4U): a step's gates when nothing is saved
  rnn_input_projection<T>(a.x, B * Tn, F, a.kernel, G, a.bias, proj);
  RecurrentMatrix fast;
  const RecurrentMatrix* fast_ptr = nullptr;
  if constexpr (std::is_same_v<T, float>) {
    fast = recurrent_matrix(a.recurrent, U, G, G, gate_rows + B * G);
    fast_ptr = &fast;
  }
  // The default activations in float32 take the ISA-specific fused row step.
  const bool fast_rows = std::is_same_v<T, float> && s.activation == RnnActivation::Tanh &&
                         s.recurrent_activation == RnnActivation::Sigmoid;
  const LstmRowStep row_step = lstm_row_kernels_for_cpu().step;
  for (int64_t i = 0; i < B * U; ++i) {
    h[i] = a.h0 ? a.h0[i] : T(0);
    c[i] = a.c0 ? a.c0[i] : T(0);
    out[i] = T(0);
  }
  const bool save = a.gates != nullptr;
  for_each_batch_slice(B, [&](int64_t b0, int64_t b1) {
    const FlushDenormals flush;
    for (int64_t t = 0; t < Tn; ++t) {
      const int64_t it = s.input_step(t);
      const T* hm = rnn_recurrent_input(h, a.recurrent_mask, b0, b1, U, dropped);
      rnn_step_product<T>(hm, U, b1 - b0, a.recurrent, U, G, G, fast_ptr, proj + rnn_row(b0, it, Tn) * G, Tn * G, true);
      for (int64_t b = b0; b < b1; ++b) {
        const T* zb = proj + rnn_row(b, it, Tn) * G;
        T* gb = save ? a.gates + rnn_row(b, t, Tn) * G : gate_rows + b * G;
        const bool valid = !a.mask || a.mask[rnn_row(b, it, Tn)] != 0;
        T* cb = c + b * U;
        T* hb = h + b * U;
        bool fused = false;
        if constexpr (std::is_same_v<T, float>) {
          if (fast_rows) {
            row_step(zb, gb, cb, hb, U, valid);
            fused = true;
          }
        }
        if (!fused) {
          activate_gates(s, zb, gb, U);
          if (valid) {
            for (int64_t k = 0; k < U; ++k) cb[k] = gb[U + k] * cb[k] + gb[k] * gb[2 * U + k];
            rnn_apply_activation(s.activation, cb, hb, U);
            for (int64_t k = 0; k < U; ++k) hb[k] *= gb[3 * U + k];
          }
        }
        if (a.cells) copy_rows(a.cells + rnn_row(b, t, Tn) * U, cb, U);
        rnn_finish_row(s, valid, hb, out + b * U, a.hiddens ? a.hiddens + rnn_row(b, t, Tn) * U : nullptr,
                       s.return_sequences ? a.output + rnn_row(b, t, Tn) * U : nullptr);
      }
    }
  });
  rnn_write_final(s, out, h, a.output, a.h_last);
  copy_rows(a.c_last, c, B * U);
}

template <typename T>
void lstm_backward(const LstmShape& s, const LstmBackward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units, G = 4 * U;
  T* dz_all = a.scratch;                // (B, Tn, 4U), input-time order
  T* h_prev_all = dz_all + B * Tn * G;  // (B, Tn, U): the state each step's recurrence read
  T* dh = h_prev_all + B * Tn * U;
  T* dc = dh + B * U;
  T* dout = dc + B * U;  // gradient reaching out_t from later repeated outputs
  T* act_c = dout + B * U;  // a(c_t) of each row
  T* through = act_c + B * U;
  for (int64_t i = 0; i < B * U; ++i) {
    dh[i] = a.d_h_last[i];
    dc[i] = a.d_c_last[i];
    dout[i] = s.return_sequences ? T(0) : a.d_output[i];
  }
  RecurrentMatrix ut{};
  const RecurrentMatrix* fast = nullptr;
  if constexpr (std::is_same_v<T, float>) {
    ut = transposed_recurrent(a.recurrent, U, G, through + B * U);
    fast = &ut;
  }
  // The default activations in float32 take the ISA-specific fused row gradient.
  const bool fast_rows = std::is_same_v<T, float> && s.activation == RnnActivation::Tanh &&
                         s.recurrent_activation == RnnActivation::Sigmoid;
  const LstmRowGrad row_grad = lstm_row_kernels_for_cpu().grad;
  with_rnn_derivatives<T>(s.recurrent_activation, s.activation, [&](auto d_ra, auto d_act) {
    for_each_batch_slice(B, [&](int64_t b0, int64_t b1) {
      const FlushDenormals flush;
      for (int64_t t = Tn - 1; t >= 0; --t) {
        const int64_t it = s.input_step(t);
        for (int64_t b = b0; b < b1; ++b) {
          const T* gb = a.gates + rnn_row(b, t, Tn) * G;
          const T* c_prev = t > 0 ? a.cells + rnn_row(b, t - 1, Tn) * U : (a.c0 ? a.c0 + b * U : nullptr);
          const T* h_prev = t > 0 ? a.hiddens + rnn_row(b, t - 1, Tn) * U : (a.h0 ? a.h0 + b * U : nullptr);
          const T* c_now = a.cells + rnn_row(b, t, Tn) * U;
          T* dz = dz_all + rnn_row(b, it, Tn) * G;
          T* hp = h_prev_all + rnn_row(b, it, Tn) * U;
          const T* r = a.recurrent_mask ? a.recurrent_mask + b * U : nullptr;
          rnn_fed_state(h_prev, r, hp, U);
          const T* dos = s.return_sequences ? a.d_output + rnn_row(b, t, Tn) * U : nullptr;
          T* doutb = dout + b * U;
          if (a.mask && a.mask[rnn_row(b, it, Tn)] == 0) {  // state passed through unchanged; output repeated (or zero)
            rnn_masked_step_grads(s, dos, doutb);
            std::memset(dz, 0, sizeof(T) * G);
            continue;
          }
          T* dhb = dh + b * U;
          T* dcb = dc + b * U;
          if constexpr (std::is_same_v<T, float>) {
            if (fast_rows) {
              row_grad(gb, c_now, c_prev, dos, dhb, dcb, doutb, dz, U);
              continue;
            }
          }
          T* ac = act_c + b * U;
          rnn_apply_activation(s.activation, c_now, ac, U);
          for (int64_t k = 0; k < U; ++k) {
            const T ig = gb[k], fg = gb[U + k], gg = gb[2 * U + k], og = gb[3 * U + k];
            const T dh_new = dhb[k] + doutb[k] + (dos ? dos[k] : T(0));
            doutb[k] = T(0);
            const LstmUnitGrads<T> d = lstm_unit_grads(dh_new, dcb[k], ig, fg, gg, og, ac[k], c_prev ? c_prev[k] : T(0),
                                                       d_ra(ig), d_ra(fg), d_act(gg), d_ra(og), d_act(ac[k]));
            dz[k] = d.di;
            dz[U + k] = d.df;
            dz[2 * U + k] = d.dg;
            dz[3 * U + k] = d.do_;
            dcb[k] = d.dc_carry;
            dhb[k] = T(0);  // replaced by dz U^T below
          }
        }
        // dh_{t-1} += (dz_t U^T) * m_rec for this slice (masked rows have dz = 0 and keep their dh).
        rnn_state_gradient<T>(dz_all + rnn_row(b0, it, Tn) * G, Tn * G, b1 - b0, a.recurrent, U, G, fast,
                              a.recurrent_mask ? a.recurrent_mask + b0 * U : nullptr, through + b0 * U, dh + b0 * U);
      }
    });
  });
  rnn_input_gradients<T>(a.x, dz_all, B * Tn, F, G, a.kernel, a.dx, a.d_kernel);
  gemm<T>(true, false, U, G, B * Tn, h_prev_all, U, dz_all, G, a.d_recurrent, G, false);
  if (B * Tn == 0) fill<T>(a.d_recurrent, T(0), U * G);
  sum_rows<T>(dz_all, B * Tn, G, a.d_bias);
  if (a.d_h0) copy_rows(a.d_h0, dh, B * U);
  if (a.d_c0) copy_rows(a.d_c0, dc, B * U);
}

template void lstm_forward<float>(const LstmShape&, const LstmForward<float>&);
template void lstm_forward<double>(const LstmShape&, const LstmForward<double>&);
template void lstm_backward<float>(const LstmShape&, const LstmBackward<float>&);
template void lstm_backward<double>(const LstmShape&, const LstmBackward<double>&);

}  // namespace dagnet::cpu
