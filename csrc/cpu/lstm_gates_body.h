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
}  // namespace
