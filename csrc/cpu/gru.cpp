#include "cpu/gru.h"

#include <cstring>
#include <type_traits>

#include "core/thread_pool.h"
#include "cpu/elementwise.h"
#include "cpu/gemm.h"

namespace dagnet::cpu {

namespace {
// Scratch of the float32 recurrent matrices: U whole (reset_after) or U[:, :2u] and U[:, 2u:].
int64_t matrix_scratch(const GruShape& s) {
  const int64_t u = s.units;
  return s.reset_after ? recurrent_matrix_scratch(u, 3 * u)
                       : recurrent_matrix_scratch(u, 2 * u) + recurrent_matrix_scratch(u, u);
}
}  // namespace

int64_t gru_forward_scratch(const GruShape& s) {
  const int64_t B = s.batch, U = s.units;
  // projections for all steps; h, previous output, h * m_rec; per-row recurrent product
  // (3u) and gates (4u) of inference; the float32 matrices
  return B * s.steps * 3 * U + 3 * B * U + B * 3 * U + B * 4 * U + matrix_scratch(s);
}

int64_t gru_backward_scratch(const GruShape& s) {
  const int64_t B = s.batch, Tn = s.steps, U = s.units;
  // dg_in and dg_rec (B, T, 3u), hm and q (B, T, u) in input-time order; dh, d_out and a
  // (B, u) product buffer; U^T for the float32 products
  return 2 * B * Tn * 3 * U + 2 * B * Tn * U + 3 * B * U + transposed_recurrent_scratch(U, 3 * U);
}

template <typename T>
void gru_forward(const GruShape& s, const GruForward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units, G = 3 * U, W = gru_saved_gate_width(s);
  T* proj = a.scratch;  // (B, Tn, 3U): x W + b_in in input-time order
  T* h = proj + B * Tn * G;
  T* out = h + B * U;
  T* dropped = out + B * U;   // (B, U): h * m_rec
  T* rec = dropped + B * U;   // (B, 3U): hm U + b_rec, or (B, U): r * hm without reset_after
  T* gate_rows = rec + B * G;  // (B, 4U): the gates of a step when nothing is saved
  rnn_input_projection<T>(a.x, B * Tn, F, a.kernel, G, a.bias, proj);
  const T* b_rec = s.reset_after ? a.bias + G : nullptr;
  RecurrentMatrix fast[2];
  bool use_fast = false;
  if constexpr (std::is_same_v<T, float>) {
    float* m = gate_rows + B * 4 * U;
    use_fast = true;
    if (s.reset_after) {
      fast[0] = recurrent_matrix(a.recurrent, U, G, G, m);
    } else {
      fast[0] = recurrent_matrix(a.recurrent, U, G, 2 * U, m);
      fast[1] = recurrent_matrix(a.recurrent + 2 * U, U, G, U, m + recurrent_matrix_scratch(U, 2 * U));
    }
  }
  for (int64_t i = 0; i < B * U; ++i) {
    h[i] = a.h0 ? a.h0[i] : T(0);
    out[i] = T(0);
  }
  const bool save = a.gates != nullptr;
  for_each_batch_slice(B, [&](int64_t b0, int64_t b1) {
    const FlushDenormals flush;
    const int64_t rows = b1 - b0;
    for (int64_t t = 0; t < Tn; ++t) {
      const int64_t it = s.input_step(t);
      const T* hm = rnn_recurrent_input(h, a.recurrent_mask, b0, b1, U, dropped);
      T* xp0 = proj + rnn_row(b0, it, Tn) * G;  // row b at xp0 + (b - b0) * Tn * G
      if (s.reset_after) {
        rnn_step_product<T>(hm, U, rows, a.recurrent, U, G, G, use_fast ? &fast[0] : nullptr, rec + b0 * G, G, false);
      } else {  // z and r first: the h block needs r
        rnn_step_product<T>(hm, U, rows, a.recurrent, U, G, 2 * U, use_fast ? &fast[0] : nullptr, xp0, Tn * G, true);
        for (int64_t b = b0; b < b1; ++b) {
          T* xp = proj + rnn_row(b, it, Tn) * G;
          T* g = save ? a.gates + rnn_row(b, t, Tn) * W : gate_rows + b * 4 * U;
          rnn_apply_activation(s.recurrent_activation, xp, g, 2 * U);
          const T* hb = hm + (b - b0) * U;
          for (int64_t k = 0; k < U; ++k) rec[b * U + k] = g[U + k] * hb[k];
        }
        rnn_step_product<T>(rec + b0 * U, U, rows, a.recurrent + 2 * U, U, G, U, use_fast ? &fast[1] : nullptr,
                            xp0 + 2 * U, Tn * G, true);
      }
      for (int64_t b = b0; b < b1; ++b) {
        T* xp = proj + rnn_row(b, it, Tn) * G;
        T* g = save ? a.gates + rnn_row(b, t, Tn) * W : gate_rows + b * 4 * U;
        if (s.reset_after) {
          T* hr = rec + b * G;
          for (int64_t j = 0; j < 2 * U; ++j) hr[j] += xp[j] + b_rec[j];
          rnn_apply_activation(s.recurrent_activation, hr, g, 2 * U);
          T* hr_h = g + 3 * U;  // saved: backward needs it for r's gradient
          for (int64_t k = 0; k < U; ++k) {
            hr_h[k] = hr[2 * U + k] + b_rec[2 * U + k];
            hr[2 * U + k] = xp[2 * U + k] + g[U + k] * hr_h[k];
          }
          rnn_apply_activation(s.activation, hr + 2 * U, g + 2 * U, U);
        } else {
          rnn_apply_activation(s.activation, xp + 2 * U, g + 2 * U, U);
        }
        T* hb = h + b * U;
        const bool valid = !a.mask || a.mask[rnn_row(b, it, Tn)] != 0;
        if (valid)
          for (int64_t k = 0; k < U; ++k) hb[k] = gru_new_state(g[k], hb[k], g[2 * U + k]);
        rnn_finish_row(s, valid, hb, out + b * U, a.hiddens ? a.hiddens + rnn_row(b, t, Tn) * U : nullptr,
                       s.return_sequences ? a.output + rnn_row(b, t, Tn) * U : nullptr);
      }
    }
  });
  rnn_write_final(s, out, h, a.output, a.h_last);
}

template <typename T>
void gru_backward(const GruShape& s, const GruBackward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units, G = 3 * U, W = gru_saved_gate_width(s);
  T* dg_in = a.scratch;             // (B, Tn, 3U), input-time order: d(x W + b_in)
  T* dg_rec = dg_in + B * Tn * G;   // (B, Tn, 3U): d(hm U + b_rec) with reset_after
  T* hm_all = dg_rec + B * Tn * G;  // (B, Tn, U): the state each step's recurrence read
  T* q_all = hm_all + B * Tn * U;   // (B, Tn, U): r * hm without reset_after
  T* dh = q_all + B * Tn * U;
  T* dout = dh + B * U;  // gradient reaching out_t from later repeated outputs
  T* through = dout + B * U;
  for (int64_t i = 0; i < B * U; ++i) {
    dh[i] = a.d_h_last[i];
    dout[i] = s.return_sequences ? T(0) : a.d_output[i];
  }
  RecurrentMatrix ut{}, ut_zr{}, ut_h{};  // U^T, and its z/r and h row blocks
  const RecurrentMatrix* fast = nullptr;
  if constexpr (std::is_same_v<T, float>) {
    ut = transposed_recurrent(a.recurrent, U, G, through + B * U);
    ut_zr = recurrent_rows(ut, 0, 2 * U);
    ut_h = recurrent_rows(ut, 2 * U, U);
    fast = &ut;
  }
  with_rnn_derivatives<T>(s.recurrent_activation, s.activation, [&](auto d_ra, auto d_act) {
    for_each_batch_slice(B, [&](int64_t b0, int64_t b1) {
      const FlushDenormals flush;
      const int64_t rows = b1 - b0;
      for (int64_t t = Tn - 1; t >= 0; --t) {
        const int64_t it = s.input_step(t);
        for (int64_t b = b0; b < b1; ++b) {
          const T* g = a.gates + rnn_row(b, t, Tn) * W;
          const T* h_prev = t > 0 ? a.hiddens + rnn_row(b, t - 1, Tn) * U : (a.h0 ? a.h0 + b * U : nullptr);
          const T* rm = a.recurrent_mask ? a.recurrent_mask + b * U : nullptr;
          T* din = dg_in + rnn_row(b, it, Tn) * G;
          T* drec = dg_rec + rnn_row(b, it, Tn) * G;
          T* hm = hm_all + rnn_row(b, it, Tn) * U;
          rnn_fed_state(h_prev, rm, hm, U);
          if (!s.reset_after)
            for (int64_t k = 0; k < U; ++k) q_all[rnn_row(b, it, Tn) * U + k] = g[U + k] * hm[k];
          T* dhb = dh + b * U;
          T* doutb = dout + b * U;
          const T* dos = s.return_sequences ? a.d_output + rnn_row(b, t, Tn) * U : nullptr;
          if (a.mask && a.mask[rnn_row(b, it, Tn)] == 0) {  // state passed through; output repeated or zero
            rnn_masked_step_grads(s, dos, doutb);
            std::memset(din, 0, sizeof(T) * G);
            std::memset(drec, 0, sizeof(T) * G);
            continue;
          }
          for (int64_t k = 0; k < U; ++k) {
            const T dh_new = dhb[k] + doutb[k] + (dos ? dos[k] : T(0));
            doutb[k] = T(0);
            const T z = g[k], r = g[U + k], hh = g[2 * U + k], hr_h = s.reset_after ? g[3 * U + k] : T(0);
            const GruUnitGrads<T> d = gru_unit_grads(dh_new, z, r, hh, hr_h, h_prev ? h_prev[k] : T(0), s.reset_after,
                                                     d_ra(z), d_ra(r), d_act(hh));
            din[k] = d.dz;
            din[2 * U + k] = d.dhh;
            if (s.reset_after) {
              din[U + k] = d.dr;
              drec[k] = d.dz;
              drec[U + k] = d.dr;
              drec[2 * U + k] = d.d_hr_h;
            }
            dhb[k] = d.dh_carry;  // the recurrence's part is added below
          }
        }
        T* din0 = dg_in + rnn_row(b0, it, Tn) * G;
        const T* rm0 = a.recurrent_mask ? a.recurrent_mask + b0 * U : nullptr;
        if (s.reset_after) {  // d hm = dg_rec U^T
          rnn_state_gradient<T>(dg_rec + rnn_row(b0, it, Tn) * G, Tn * G, rows, a.recurrent, U, G, fast, rm0,
                                through + b0 * U, dh + b0 * U);
          continue;
        }
        // d(r * hm) = dhh U_h^T gives r's gradient; then d hm = [dz, dr] U_zr^T + d(r * hm) * r.
        T* dq0 = through + b0 * U;
        bool done = false;
        if constexpr (std::is_same_v<T, float>) {
          recurrent_product(din0 + 2 * U, Tn * G, rows, ut_h, dq0, U, false);
          done = true;
        }
        if (!done) gemm<T>(false, true, rows, U, U, din0 + 2 * U, Tn * G, a.recurrent + 2 * U, G, dq0, U, false);
        for (int64_t b = b0; b < b1; ++b) {
          if (a.mask && a.mask[rnn_row(b, it, Tn)] == 0) continue;  // its dg rows stay zero
          const T* g = a.gates + rnn_row(b, t, Tn) * W;
          const T* hm = hm_all + rnn_row(b, it, Tn) * U;
          T* din = dg_in + rnn_row(b, it, Tn) * G;
          T* dq = through + b * U;
          for (int64_t k = 0; k < U; ++k) {
            din[U + k] = gru_reset_grad_before(dq[k], hm[k], d_ra(g[U + k]));
            dq[k] *= g[U + k];
          }
        }
        done = false;
        if constexpr (std::is_same_v<T, float>) {
          recurrent_product(din0, Tn * G, rows, ut_zr, dq0, U, true);
          done = true;
        }
        if (!done) gemm<T>(false, true, rows, U, 2 * U, din0, Tn * G, a.recurrent, G, dq0, U, true);
        for (int64_t i = b0 * U; i < b1 * U; ++i)
          dh[i] += a.recurrent_mask ? through[i] * a.recurrent_mask[i] : through[i];
      }
    });
  });
  rnn_input_gradients<T>(a.x, dg_in, B * Tn, F, G, a.kernel, a.dx, a.d_kernel);
  if (s.reset_after) {
    gemm<T>(true, false, U, G, B * Tn, hm_all, U, dg_rec, G, a.d_recurrent, G, false);
    sum_rows<T>(dg_in, B * Tn, G, a.d_bias);
    sum_rows<T>(dg_rec, B * Tn, G, a.d_bias + G);
  } else {
    gemm<T>(true, false, U, 2 * U, B * Tn, hm_all, U, dg_in, G, a.d_recurrent, G, false);
    gemm<T>(true, false, U, U, B * Tn, q_all, U, dg_in + 2 * U, G, a.d_recurrent + 2 * U, G, false);
    sum_rows<T>(dg_in, B * Tn, G, a.d_bias);
  }
  if (B * Tn == 0) fill<T>(a.d_recurrent, T(0), U * G);
  if (a.d_h0) copy_rows(a.d_h0, dh, B * U);
}

template void gru_forward<float>(const GruShape&, const GruForward<float>&);
template void gru_forward<double>(const GruShape&, const GruForward<double>&);
template void gru_backward<float>(const GruShape&, const GruBackward<float>&);
template void gru_backward<double>(const GruShape&, const GruBackward<double>&);

}  // namespace dagnet::cpu
