// Shared body of the per-ISA LSTM row step (included by each ISA's file, so the same
// source is vectorised for that ISA's registers). Not a public header.
#include "cpu/fast_math.h"

namespace {
void lstm_row_step_impl(const float* z, float* gates, float* c, float* h, int64_t units, bool valid) {
  const int64_t u = units;
  for (int64_t k = 0; k < 2 * u; ++k) gates[k] = dagnet::cpu::fast_sigmoid(z[k]);        // i, f
  for (int64_t k = 2 * u; k < 3 * u; ++k) gates[k] = dagnet::cpu::fast_tanh(z[k]);       // g
  for (int64_t k = 3 * u; k < 4 * u; ++k) gates[k] = dagnet::cpu::fast_sigmoid(z[k]);    // o
  if (!valid) return;
  for (int64_t k = 0; k < u; ++k) {
    const float cn = gates[u + k] * c[k] + gates[k] * gates[2 * u + k];
    c[k] = cn;
    h[k] = gates[3 * u + k] * dagnet::cpu::fast_tanh(cn);
  }
}

// The two optional inputs are template flags, so each variant's loop has no branches and
// no possible aliasing between what it reads and writes: it vectorises.
template <bool kSequence, bool kPrevious>
void lstm_row_grad_loop(const float* __restrict gates, const float* __restrict c_now, const float* __restrict c_prev,
                        const float* __restrict d_seq, float* __restrict dh, float* __restrict dc,
                        float* __restrict d_out, float* __restrict dz, int64_t u) {
  for (int64_t k = 0; k < u; ++k) {
    const float ig = gates[k], fg = gates[u + k], gg = gates[2 * u + k], og = gates[3 * u + k];
    const float act_c = dagnet::cpu::fast_tanh(c_now[k]);
    const float dh_new = dh[k] + d_out[k] + (kSequence ? d_seq[k] : 0.0f);
    const float dc_new = dc[k] + dh_new * og * (1.0f - act_c * act_c);
    dz[k] = dc_new * gg * (ig * (1.0f - ig));
    dz[u + k] = dc_new * (kPrevious ? c_prev[k] : 0.0f) * (fg * (1.0f - fg));
    dz[2 * u + k] = dc_new * ig * (1.0f - gg * gg);
    dz[3 * u + k] = dh_new * act_c * (og * (1.0f - og));
    dc[k] = dc_new * fg;
    d_out[k] = 0.0f;
    dh[k] = 0.0f;
  }
}

void lstm_row_grad_impl(const float* gates, const float* c_now, const float* c_prev, const float* d_seq, float* dh,
                        float* dc, float* d_out, float* dz, int64_t units) {
  if (d_seq && c_prev) return lstm_row_grad_loop<true, true>(gates, c_now, c_prev, d_seq, dh, dc, d_out, dz, units);
  if (d_seq) return lstm_row_grad_loop<true, false>(gates, c_now, c_prev, d_seq, dh, dc, d_out, dz, units);
  if (c_prev) return lstm_row_grad_loop<false, true>(gates, c_now, c_prev, d_seq, dh, dc, d_out, dz, units);
  lstm_row_grad_loop<false, false>(gates, c_now, c_prev, d_seq, dh, dc, d_out, dz, units);
}
}  // namespace
