#include "cpu/lstm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/conv_indirect.h"
#include "cpu/elementwise.h"
#include "cpu/fast_math.h"
#include "cpu/gemm.h"
#include "cpu/gemm_kernels.h"
#include "cpu/lstm_gates.h"

namespace dagnet::cpu {

namespace {
template <typename T>
T activate(RnnActivation a, T x) {
  switch (a) {
    case RnnActivation::Tanh: return std::tanh(x);
    case RnnActivation::Sigmoid: return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
    case RnnActivation::HardSigmoid: return std::min(T(1), std::max(T(0), x / T(6) + T(0.5)));
    case RnnActivation::Relu: return x < 0 ? T(0) : x;
    case RnnActivation::Linear: return x;
  }
  return x;
}

// Derivative expressed through the activation's output y.
template <typename T>
T derivative_from_output(RnnActivation a, T y) {
  switch (a) {
    case RnnActivation::Tanh: return T(1) - y * y;
    case RnnActivation::Sigmoid: return y * (T(1) - y);
    case RnnActivation::HardSigmoid: return (y > T(0) && y < T(1)) ? T(1) / T(6) : T(0);
    case RnnActivation::Relu: return y > 0 ? T(1) : T(0);
    case RnnActivation::Linear: return T(1);
  }
  return T(1);
}

// y[k] = f(x[k]); float32 sigmoid / tanh use the vectorisable forms.
template <typename T>
void apply_activation(RnnActivation f, const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (f == RnnActivation::Sigmoid) {
      for (int64_t k = 0; k < n; ++k) y[k] = fast_sigmoid(x[k]);
      return;
    }
    if (f == RnnActivation::Tanh) {
      for (int64_t k = 0; k < n; ++k) y[k] = fast_tanh(x[k]);
      return;
    }
  }
  for (int64_t k = 0; k < n; ++k) y[k] = activate(f, x[k]);
}

// The four gate blocks of one row: i, f, o through the recurrent activation, c through the activation.
template <typename T>
void activate_gates(const LstmShape& s, const T* z, T* gates, int64_t units) {
  apply_activation(s.recurrent_activation, z, gates, 2 * units);
  apply_activation(s.activation, z + 2 * units, gates + 2 * units, units);
  apply_activation(s.recurrent_activation, z + 3 * units, gates + 3 * units, units);
}

// z[r, :] += h[r, :] U for `rows` rows: the per-step recurrent product, straight on the
// micro-kernel (h rows read in place, U's columns in place) with no packing or blocking
// overhead, which dominates at these sizes. Needs 4u to be a multiple of the kernel's NR.
bool recurrent_product(const float* h, int64_t rows, int64_t units, const float* recurrent, float* z, int64_t ldz,
                       const float* zero_row) {
  const GemmKernel kern = gemm_kernel_for_cpu();
  const int mr = kern.mr, nr = kern.nr;
  const int64_t G = 4 * units;
  if (G % nr != 0) return false;
  const float* ptrs[16];
  alignas(64) float tile[16 * 32];
  for (int64_t r0 = 0; r0 < rows; r0 += mr) {
    const int64_t n = std::min<int64_t>(mr, rows - r0);
    for (int i = 0; i < mr; ++i) ptrs[i] = i < n ? h + (r0 + i) * units : zero_row;
    for (int64_t col = 0; col < G; col += nr) {
      if (n == mr) {
        kern.run_indirect(units, ptrs, recurrent + col, G, z + r0 * ldz + col, ldz, true);
      } else {
        kern.run_indirect(units, ptrs, recurrent + col, G, tile, nr, false);
        for (int64_t i = 0; i < n; ++i)
          for (int j = 0; j < nr; ++j) z[(r0 + i) * ldz + col + j] += tile[i * nr + j];
      }
    }
  }
  return true;
}

// Batch rows per thread: an even share (the recurrence itself is sequential in time).
int64_t batch_slice(int64_t batch) {
  const int64_t threads = thread_pool().size();
  return std::max<int64_t>(1, (batch + threads - 1) / threads);
}
}  // namespace

int64_t lstm_forward_scratch(const LstmShape& s) {
  // projections for all steps + h, c and previous-output buffers
  return s.batch * s.steps * 4 * s.units + 3 * s.batch * s.units;
}

int64_t lstm_backward_scratch(const LstmShape& s) {
  // dZ and H_prev (input-time order) + dh, dc, d_out carries
  return s.batch * s.steps * 4 * s.units + s.batch * s.steps * s.units + 3 * s.batch * s.units;
}

template <typename T>
void lstm_forward(const LstmShape& s, const LstmForward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units, G = 4 * U;
  T* proj = a.scratch;  // (B, Tn, 4U): x W + b in input-time order
  T* h = proj + B * Tn * G;
  T* c = h + B * U;
  T* out = c + B * U;
  if constexpr (std::is_same_v<T, float>) {
    // x W + b for every step at once, as a pointwise convolution over the (batch * time)
    // rows: the indirect kernel reads x's rows in place instead of packing them.
    ConvShape rows{1, 1, B * Tn, F, 1, 1, 1, 1, 1, 1, 0, 0, 1, B * Tn};
    conv2d_indirect(a.x, rows, a.kernel, G, GemmEpilogue{a.bias}, proj);
  } else {
    gemm<T>(false, false, B * Tn, G, F, a.x, F, a.kernel, G, proj, G, false);
    parallel_for(B * Tn, std::max<int64_t>(1, 8192 / G), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r)
        for (int64_t j = 0; j < G; ++j) proj[r * G + j] += a.bias[j];
    });
  }
  // The default activations in float32 take the ISA-specific fused row step.
  const bool fast_rows = std::is_same_v<T, float> && s.activation == RnnActivation::Tanh &&
                         s.recurrent_activation == RnnActivation::Sigmoid;
  const LstmRowStep row_step = lstm_row_step_for_cpu();
  for (int64_t i = 0; i < B * U; ++i) {
    h[i] = a.h0 ? a.h0[i] : T(0);
    c[i] = a.c0 ? a.c0[i] : T(0);
    out[i] = T(0);
  }
  // Rows of the batch recur independently, so each thread runs the whole time loop for
  // its own slice: no synchronisation per step (the small per-step GEMMs run inline).
  const std::vector<T> zero_row(static_cast<size_t>(U), T(0));
  const bool save = a.gates != nullptr;
  parallel_for(B, batch_slice(B), [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    std::vector<T> gate_row(save ? 0 : static_cast<size_t>(G));  // inference: gates of one row at a time
    std::vector<T> dropped(a.recurrent_mask ? static_cast<size_t>(rows * U) : 0);  // h * r for this slice
    for (int64_t t = 0; t < Tn; ++t) {
      const int64_t it = s.input_step(t);
      T* z = proj + (b0 * Tn + it) * G;  // row b at z + (b - b0) * Tn * G
      const T* h_in = h + b0 * U;
      if (a.recurrent_mask) {
        for (int64_t i = 0; i < rows * U; ++i) dropped[i] = h_in[i] * a.recurrent_mask[b0 * U + i];
        h_in = dropped.data();
      }
      bool done = false;
      if constexpr (std::is_same_v<T, float>)
        done = recurrent_product(h_in, rows, U, a.recurrent, z, Tn * G, zero_row.data());
      if (!done) gemm<T>(false, false, rows, G, U, h_in, U, a.recurrent, G, z, Tn * G, true);
      for (int64_t b = b0; b < b1; ++b) {
        const T* zb = proj + (b * Tn + it) * G;
        T* gb = save ? a.gates + (b * Tn + t) * G : gate_row.data();
        const bool valid = !a.mask || a.mask[b * Tn + it] != 0;
        if constexpr (std::is_same_v<T, float>) {
          if (fast_rows) {
            row_step(zb, gb, c + b * U, h + b * U, U, valid);
            if (valid) std::memcpy(out + b * U, h + b * U, sizeof(T) * U);
            if (save) {
              std::memcpy(a.cells + (b * Tn + t) * U, c + b * U, sizeof(T) * U);
              std::memcpy(a.hiddens + (b * Tn + t) * U, h + b * U, sizeof(T) * U);
            }
            if (s.return_sequences) std::memcpy(a.output + (b * Tn + t) * U, out + b * U, sizeof(T) * U);
            continue;
          }
        }
        activate_gates(s, zb, gb, U);
        if (valid) {
          T* cb = c + b * U;
          T* hb = h + b * U;
          for (int64_t k = 0; k < U; ++k) cb[k] = gb[U + k] * cb[k] + gb[k] * gb[2 * U + k];
          apply_activation(s.activation, cb, hb, U);
          for (int64_t k = 0; k < U; ++k) {
            hb[k] *= gb[3 * U + k];
            out[b * U + k] = hb[k];
          }
        }
        if (save) {
          std::memcpy(a.cells + (b * Tn + t) * U, c + b * U, sizeof(T) * U);
          std::memcpy(a.hiddens + (b * Tn + t) * U, h + b * U, sizeof(T) * U);
        }
        if (s.return_sequences) std::memcpy(a.output + (b * Tn + t) * U, out + b * U, sizeof(T) * U);
      }
    }
  });
  if (!s.return_sequences) std::memcpy(a.output, out, sizeof(T) * B * U);
  std::memcpy(a.h_last, h, sizeof(T) * B * U);
  std::memcpy(a.c_last, c, sizeof(T) * B * U);
}

template <typename T>
void lstm_backward(const LstmShape& s, const LstmBackward<T>& a) {
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units, G = 4 * U;
  T* dz_all = a.scratch;             // (B, Tn, 4U), input-time order
  T* h_prev_all = dz_all + B * Tn * G;  // (B, Tn, U): the state each step started from
  T* dh = h_prev_all + B * Tn * U;
  T* dc = dh + B * U;
  T* dout = dc + B * U;  // gradient reaching out_t from later repeated outputs
  for (int64_t i = 0; i < B * U; ++i) {
    dh[i] = a.d_h_last[i];
    dc[i] = a.d_c_last[i];
    dout[i] = s.return_sequences ? T(0) : a.d_output[i];
  }
  parallel_for(B, batch_slice(B), [&](int64_t b0, int64_t b1) {
    std::vector<T> act_c(static_cast<size_t>(U));  // a(c_t) of one row
    std::vector<T> through(a.recurrent_mask ? static_cast<size_t>((b1 - b0) * U) : 0);  // dz U^T before * r
    for (int64_t t = Tn - 1; t >= 0; --t) {
      const int64_t it = s.input_step(t);
      for (int64_t b = b0; b < b1; ++b) {
        const T* gb = a.gates + (b * Tn + t) * G;
        const T* c_prev = t > 0 ? a.cells + (b * Tn + t - 1) * U : (a.c0 ? a.c0 + b * U : nullptr);
        const T* h_prev = t > 0 ? a.hiddens + (b * Tn + t - 1) * U : (a.h0 ? a.h0 + b * U : nullptr);
        const T* c_now = a.cells + (b * Tn + t) * U;
        T* dz = dz_all + (b * Tn + it) * G;
        T* hp = h_prev_all + (b * Tn + it) * U;
        const bool valid = !a.mask || a.mask[b * Tn + it] != 0;
        if (valid) apply_activation(s.activation, c_now, act_c.data(), U);
        const T* r = a.recurrent_mask ? a.recurrent_mask + b * U : nullptr;
        for (int64_t k = 0; k < U; ++k) {
          hp[k] = h_prev ? (r ? h_prev[k] * r[k] : h_prev[k]) : T(0);  // what fed the recurrence
          T d_out_t = dout[b * U + k] + (s.return_sequences ? a.d_output[(b * Tn + t) * U + k] : T(0));
          if (!valid) {  // the step passed state and output through unchanged
            dout[b * U + k] = d_out_t;
            dz[k] = dz[U + k] = dz[2 * U + k] = dz[3 * U + k] = T(0);
            continue;
          }
          dout[b * U + k] = T(0);
          const T ig = gb[k], fg = gb[U + k], gg = gb[2 * U + k], og = gb[3 * U + k];
          const T ac = act_c[k];
          const T dh_new = dh[b * U + k] + d_out_t;
          const T dc_new = dc[b * U + k] + dh_new * og * derivative_from_output(s.activation, ac);
          const T cp = c_prev ? c_prev[k] : T(0);
          dz[k] = dc_new * gg * derivative_from_output(s.recurrent_activation, ig);
          dz[U + k] = dc_new * cp * derivative_from_output(s.recurrent_activation, fg);
          dz[2 * U + k] = dc_new * ig * derivative_from_output(s.activation, gg);
          dz[3 * U + k] = dh_new * ac * derivative_from_output(s.recurrent_activation, og);
          dc[b * U + k] = dc_new * fg;
          dh[b * U + k] = T(0);  // replaced by dz U^T below
        }
      }
      // dh_{t-1} += dz_t U^T for this slice (masked rows have dz = 0 and keep their carried dh).
      if (!a.recurrent_mask) {
        gemm<T>(false, true, b1 - b0, U, G, dz_all + (b0 * Tn + it) * G, Tn * G, a.recurrent, G, dh + b0 * U, U, true);
      } else {  // h entered as h * r, so its gradient is (dz U^T) * r
        gemm<T>(false, true, b1 - b0, U, G, dz_all + (b0 * Tn + it) * G, Tn * G, a.recurrent, G, through.data(), U,
                false);
        for (int64_t i = 0; i < (b1 - b0) * U; ++i) dh[b0 * U + i] += through[i] * a.recurrent_mask[b0 * U + i];
      }
    }
  });
  // One GEMM each over all steps.
  gemm<T>(false, true, B * Tn, F, G, dz_all, G, a.kernel, G, a.dx, F, false);
  gemm<T>(true, false, F, G, B * Tn, a.x, F, dz_all, G, a.d_kernel, G, false);
  gemm<T>(true, false, U, G, B * Tn, h_prev_all, U, dz_all, G, a.d_recurrent, G, false);
  if (B * Tn == 0) {
    fill<T>(a.d_kernel, T(0), F * G);
    fill<T>(a.d_recurrent, T(0), U * G);
  }
  sum_rows<T>(dz_all, B * Tn, G, a.d_bias);
  if (a.d_h0) std::memcpy(a.d_h0, dh, sizeof(T) * B * U);
  if (a.d_c0) std::memcpy(a.d_c0, dc, sizeof(T) * B * U);
}

template void lstm_forward<float>(const LstmShape&, const LstmForward<float>&);
template void lstm_forward<double>(const LstmShape&, const LstmForward<double>&);
template void lstm_backward<float>(const LstmShape&, const LstmBackward<float>&);
template void lstm_backward<double>(const LstmShape&, const LstmBackward<double>&);

}  // namespace dagnet::cpu
