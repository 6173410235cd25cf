// CUDA kernels of the recurrent ops (lstm, gru, simple_rnn and their _grad ops; the op
// contract is in ops/recurrent.cpp). The plan is the CPU kernels': the input projection of
// every step as one cuBLAS GEMM before the loop; per step one cuBLAS GEMM for h U (two for a
// GRU without reset_after) and one fused kernel for the gates, the state update, masking and
// the saved activations; backward mirrors it (a fused gradient kernel and dg U^T per step,
// then one GEMM each for dx, d_kernel and d_recurrent and a column sum for d_bias). The
// per-unit math and the buffer offsets are ops/recurrent_math.h's, which the CPU kernels and
// their tests share. Scratch comes from the op's workspace: the CPU layout's size, which
// covers this layout (checked).
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>

#include "cuda/blas.cuh"
#include "cuda/cuda_check.h"
#include "cuda/kernel_support.cuh"
#include "ops/recurrent_math.h"
#include "ops/recurrent_plan.h"

namespace dagnet::cuda {

namespace {

// ---- cuBLAS on row-major operands ---------------------------------------------------------
// Carves typed buffers out of the workspace, checking they fit.
class Scratch {
 public:
  static constexpr size_t kAlign = 256;  // the op's workspace keeps kRnnDeviceSlack bytes for this rounding
  Scratch(const KernelContext& ctx, size_t limit) : base_(static_cast<char*>(ctx.workspace)), limit_(limit) {}
  template <typename T>
  T* take(int64_t count) {
    T* p = reinterpret_cast<T*>(base_ + used_);
    used_ += (static_cast<size_t>(count) * sizeof(T) + kAlign - 1) / kAlign * kAlign;
    check(used_ <= limit_, ErrorKind::Runtime, "recurrent CUDA kernel: workspace of ", limit_,
          " bytes is too small (needs ", used_, ")");
    return p;
  }

 private:
  char* base_;
  size_t limit_;
  size_t used_ = 0;
};

// ---- small kernels ----------------------------------------------------------------------
template <typename T, typename M>
__global__ void mask_to_values(const M* mask, T* out, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = mask[i] != M(0) ? T(1) : T(0);
}

// The mask (any dtype) as 0/1 values of T at the prepared offset, or null.
template <typename T>
const T* mask_values(const KernelContext& ctx, const RnnPrepared& p) {
  if (!p.inputs.mask) return nullptr;
  const Tensor& m = ctx.inputs[p.inputs.mask_at];
  T* out = reinterpret_cast<T*>(static_cast<char*>(ctx.workspace) + p.mask_offset);
  const int64_t n = m.numel();
  switch (m.dtype()) {
    case DType::f32: mask_to_values<<<blocks_for(n), kThreads, 0, stream(ctx)>>>(m.data<float>(), out, n); break;
    case DType::f64: mask_to_values<<<blocks_for(n), kThreads, 0, stream(ctx)>>>(m.data<double>(), out, n); break;
    case DType::i32: mask_to_values<<<blocks_for(n), kThreads, 0, stream(ctx)>>>(m.data<int32_t>(), out, n); break;
    case DType::i64: mask_to_values<<<blocks_for(n), kThreads, 0, stream(ctx)>>>(m.data<int64_t>(), out, n); break;
  }
  check_launch("recurrent mask");
  return out;
}

// h = h0 (or 0), c likewise, out = 0, hm = h * m_rec.
template <typename T>
__global__ void init_state(const T* h0, const T* c0, const T* rmask, T* h, T* c, T* hm, T* out, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    h[i] = h0 ? h0[i] : T(0);
    if (c) c[i] = c0 ? c0[i] : T(0);
    out[i] = T(0);
    hm[i] = rmask ? h[i] * rmask[i] : h[i];
  }
}

// What every forward step kernel shares: the state update of unit i = (b, k) after the gates.
template <typename T>
struct StepIo {
  RnnShape s;
  int64_t t, it;
  const T *mask, *rmask;
  T *h, *hm, *out;      // (B, U)
  T *output, *hiddens;  // output (B, T, U) with return_sequences; hiddens saved (or null)
  bool gates_by_step;   // gates saved per (b, t); else one row per b, overwritten each step
};

template <typename T>
__device__ T* gate_row(const StepIo<T>& io, T* gates, int64_t b, int64_t width) {
  return gates + (io.gates_by_step ? rnn_row(b, io.t, io.s.steps) : b) * width;
}

template <typename T>
__device__ void finish_step(const StepIo<T>& io, int64_t b, int64_t k, int64_t i, bool valid, T h_new) {
  const int64_t U = io.s.units;
  if (valid) {
    io.h[i] = h_new;
    io.out[i] = h_new;
  } else if (io.s.zero_output_for_mask) {
    io.out[i] = T(0);
  }
  io.hm[i] = io.rmask ? io.h[i] * io.rmask[i] : io.h[i];
  const int64_t row = rnn_row(b, io.t, io.s.steps);
  if (io.hiddens) io.hiddens[row * U + k] = io.h[i];
  if (io.s.return_sequences) io.output[row * U + k] = io.out[i];
}

template <typename T>
__device__ bool step_valid(const StepIo<T>& io, int64_t b) {
  return !io.mask || io.mask[rnn_row(b, io.it, io.s.steps)] != T(0);
}

// GRU, reset_after: proj row (x W, no bias), rec = hm U (no bias), bias (2, 3u).
template <typename T>
__global__ void gru_step_after(StepIo<T> io, const T* proj, const T* rec, const T* bias, T* gates, int64_t width) {
  const int64_t U = io.s.units, G = 3 * U, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    const T* xp = proj + rnn_row(b, io.it, io.s.steps) * G;
    const T* hr = rec + b * G;
    const T *b_in = bias, *b_rec = bias + G;
    const T z = rnn_activate(io.s.recurrent_activation, xp[k] + b_in[k] + hr[k] + b_rec[k]);
    const T r = rnn_activate(io.s.recurrent_activation, xp[U + k] + b_in[U + k] + hr[U + k] + b_rec[U + k]);
    const T hr_h = hr[2 * U + k] + b_rec[2 * U + k];
    const T hh = rnn_activate(io.s.activation, xp[2 * U + k] + b_in[2 * U + k] + r * hr_h);
    T* g = gate_row(io, gates, b, width);
    g[k] = z;
    g[U + k] = r;
    g[2 * U + k] = hh;
    g[3 * U + k] = hr_h;
    finish_step(io, b, k, i, step_valid(io, b), gru_new_state(z, io.h[i], hh));
  }
}

// GRU without reset_after, first half: z, r from the projections (hm U_zr already added
// into proj), q = r * hm for the second product.
template <typename T>
__global__ void gru_step_gates_before(StepIo<T> io, const T* proj, const T* bias, T* gates, int64_t width, T* q) {
  const int64_t U = io.s.units, G = 3 * U, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    const T* xp = proj + rnn_row(b, io.it, io.s.steps) * G;
    T* g = gate_row(io, gates, b, width);
    g[k] = rnn_activate(io.s.recurrent_activation, xp[k] + bias[k]);
    g[U + k] = rnn_activate(io.s.recurrent_activation, xp[U + k] + bias[U + k]);
    q[i] = g[U + k] * io.hm[i];
  }
}

// ... second half: hh from the projection's h block (q U_h added), the state update.
template <typename T>
__global__ void gru_step_state_before(StepIo<T> io, const T* proj, const T* bias, T* gates, int64_t width) {
  const int64_t U = io.s.units, G = 3 * U, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    const T* xp = proj + rnn_row(b, io.it, io.s.steps) * G;
    T* g = gate_row(io, gates, b, width);
    const T hh = rnn_activate(io.s.activation, xp[2 * U + k] + bias[2 * U + k]);
    g[2 * U + k] = hh;
    finish_step(io, b, k, i, step_valid(io, b), gru_new_state(g[k], io.h[i], hh));
  }
}

// SimpleRNN: proj row holds x W + hm U; h = a(. + b).
template <typename T>
__global__ void simple_rnn_step(StepIo<T> io, const T* proj, const T* bias) {
  const int64_t U = io.s.units, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    const T pre = proj[rnn_row(b, io.it, io.s.steps) * U + k] + bias[k];
    finish_step(io, b, k, i, step_valid(io, b), rnn_activate(io.s.activation, pre));
  }
}

// LSTM: proj row holds x W + hm U; gates i, f, c, o with the bias.
template <typename T>
__global__ void lstm_step(StepIo<T> io, const T* proj, const T* bias, T* c, T* gates, T* cells) {
  const int64_t U = io.s.units, G = 4 * U, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    const int64_t row = rnn_row(b, io.t, io.s.steps);
    const T* z = proj + rnn_row(b, io.it, io.s.steps) * G;
    const RnnActivation ra = io.s.recurrent_activation, a = io.s.activation;
    const T ig = rnn_activate(ra, z[k] + bias[k]);
    const T fg = rnn_activate(ra, z[U + k] + bias[U + k]);
    const T gg = rnn_activate(a, z[2 * U + k] + bias[2 * U + k]);
    const T og = rnn_activate(ra, z[3 * U + k] + bias[3 * U + k]);
    T* g = gate_row(io, gates, b, G);
    g[k] = ig;
    g[U + k] = fg;
    g[2 * U + k] = gg;
    g[3 * U + k] = og;
    const bool valid = step_valid(io, b);
    if (valid) c[i] = fg * c[i] + ig * gg;
    if (cells) cells[row * U + k] = c[i];
    finish_step(io, b, k, i, valid, og * rnn_activate(a, c[i]));
  }
}

template <typename T>
void copy_async(const T* from, T* to, int64_t n, cudaStream_t s) {
  if (n > 0) check_cuda(cudaMemcpyAsync(to, from, n * sizeof(T), cudaMemcpyDeviceToDevice, s), "recurrent copy");
}

// ---- forward -----------------------------------------------------------------------------
enum class Cell { Lstm, Gru, SimpleRnn };

template <typename T>
void forward(const KernelContext& ctx, Cell cell) {
  const RnnPrepared& p = ctx.prepared<RnnPrepared>();
  const RnnShape& s = p.shape;
  const RnnInputs& l = p.inputs;
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units;
  const int64_t G = (cell == Cell::Lstm ? 4 : cell == Cell::Gru ? 3 : 1) * U;
  const int64_t states = cell == Cell::Lstm ? 2 : 1;
  cudaStream_t st = stream(ctx);
  cublasHandle_t h = blas(ctx);
  const T *x = ctx.inputs[0].data<T>(), *kernel = ctx.inputs[1].data<T>(), *recurrent = ctx.inputs[2].data<T>();
  const T* bias = ctx.inputs[3].data<T>();
  const T* h0 = l.states ? ctx.inputs[l.first_state].data<T>() : nullptr;
  const T* c0 = l.states > 1 ? ctx.inputs[l.first_state + 1].data<T>() : nullptr;
  const T* rmask = l.recurrent_mask ? ctx.inputs[l.recurrent_mask_at].data<T>() : nullptr;
  const T* mask = mask_values<T>(ctx, p);
  auto saved = [&](size_t i) { return ctx.outputs[i].defined() ? ctx.outputs[i].data<T>() : nullptr; };
  T* gates_saved = cell == Cell::SimpleRnn ? nullptr : saved(1 + states);
  T* hiddens = saved(cell == Cell::Lstm ? 5 : cell == Cell::Gru ? 3 : 2);
  T* cells = cell == Cell::Lstm ? saved(4) : nullptr;
  const int64_t width = cell == Cell::Gru ? (s.reset_after ? 4 : 3) * U : G;  // saved gate columns

  Scratch scratch(ctx, p.mask_offset);
  T* proj = scratch.take<T>(B * Tn * G);
  T* hs = scratch.take<T>(B * U);
  T* hm = scratch.take<T>(B * U);
  T* out = scratch.take<T>(B * U);
  T* c = cell == Cell::Lstm ? scratch.take<T>(B * U) : nullptr;
  T* rec = cell == Cell::Gru ? scratch.take<T>(B * G) : nullptr;  // hm U (reset_after) or q
  T* gates = gates_saved ? gates_saved : (cell == Cell::SimpleRnn ? nullptr : scratch.take<T>(B * width));

  gemm(h, false, false, B * Tn, G, F, x, F, kernel, G, proj, G, false);  // x W for every step
  const unsigned blocks = blocks_for(B * U);
  init_state<<<blocks, kThreads, 0, st>>>(h0, c0, rmask, hs, c, hm, out, B * U);
  check_launch("recurrent init_state");
  T* output = ctx.outputs[0].data<T>();
  for (int64_t t = 0; t < Tn; ++t) {
    const int64_t it = s.input_step(t);
    StepIo<T> io{s, t, it, mask, rmask, hs, hm, out, output, hiddens, gates_saved != nullptr};
    T* row = proj + it * G;  // this step's rows, Tn * G apart
    switch (cell) {
      case Cell::Lstm:
        gemm(h, false, false, B, G, U, hm, U, recurrent, G, row, Tn * G, true);
        lstm_step<<<blocks, kThreads, 0, st>>>(io, proj, bias, c, gates, cells);
        break;
      case Cell::SimpleRnn:
        gemm(h, false, false, B, G, U, hm, U, recurrent, G, row, Tn * G, true);
        simple_rnn_step<<<blocks, kThreads, 0, st>>>(io, proj, bias);
        break;
      case Cell::Gru:
        if (s.reset_after) {
          gemm(h, false, false, B, G, U, hm, U, recurrent, G, rec, G, false);
          gru_step_after<<<blocks, kThreads, 0, st>>>(io, proj, rec, bias, gates, width);
        } else {
          gemm(h, false, false, B, 2 * U, U, hm, U, recurrent, G, row, Tn * G, true);
          gru_step_gates_before<<<blocks, kThreads, 0, st>>>(io, proj, bias, gates, width, rec);
          check_launch("gru step");
          gemm(h, false, false, B, U, U, rec, U, recurrent + 2 * U, G, row + 2 * U, Tn * G, true);
          gru_step_state_before<<<blocks, kThreads, 0, st>>>(io, proj, bias, gates, width);
        }
        break;
    }
    check_launch("recurrent step");
  }
  if (!s.return_sequences) copy_async(out, output, B * U, st);
  copy_async(hs, ctx.outputs[1].data<T>(), B * U, st);
  if (cell == Cell::Lstm) copy_async(c, ctx.outputs[2].data<T>(), B * U, st);
}

// ---- backward ----------------------------------------------------------------------------
// What every backward step kernel shares: unit i = (b, k)'s carried gradients and inputs.
template <typename T>
struct GradIo {
  RnnShape s;
  int64_t t, it;
  const T *mask, *rmask, *d_output, *hiddens, *h0;
  T *dh, *dout, *hm_all;
};

// The step's input: dh_new (or, for a masked step, the carries updated and false).
template <typename T>
__device__ bool grad_input(const GradIo<T>& io, int64_t b, int64_t k, int64_t i, T* dh_new, T* h_prev) {
  const int64_t U = io.s.units, Tn = io.s.steps;
  const T* hp = io.t > 0 ? io.hiddens + rnn_row(b, io.t - 1, Tn) * U : (io.h0 ? io.h0 + b * U : nullptr);
  *h_prev = hp ? hp[k] : T(0);
  io.hm_all[rnn_row(b, io.it, Tn) * U + k] = io.rmask ? *h_prev * io.rmask[i] : *h_prev;
  const T dos = io.s.return_sequences ? io.d_output[rnn_row(b, io.t, Tn) * U + k] : T(0);
  if (io.mask && io.mask[rnn_row(b, io.it, Tn)] == T(0)) {
    io.dout[i] = rnn_masked_output_grad(io.dout[i], dos, io.s.zero_output_for_mask);
    return false;
  }
  *dh_new = io.dh[i] + io.dout[i] + dos;
  io.dout[i] = T(0);
  return true;
}

template <typename T>
__global__ void gru_grad_step(GradIo<T> io, const T* gates, int64_t width, T* dg_in, T* dg_rec, T* q_all) {
  const int64_t U = io.s.units, G = 3 * U, Tn = io.s.steps, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    const T* g = gates + rnn_row(b, io.t, Tn) * width;
    const int64_t in_row = rnn_row(b, io.it, Tn);
    T* din = dg_in + in_row * G;
    T* drec = dg_rec + in_row * G;
    T dh_new, h_prev;
    const bool valid = grad_input(io, b, k, i, &dh_new, &h_prev);
    if (!io.s.reset_after) q_all[in_row * U + k] = g[U + k] * io.hm_all[in_row * U + k];
    if (!valid) {
      din[k] = din[U + k] = din[2 * U + k] = T(0);
      if (io.s.reset_after) drec[k] = drec[U + k] = drec[2 * U + k] = T(0);
      continue;
    }
    const RnnActivation ra = io.s.recurrent_activation, a = io.s.activation;
    const T z = g[k], r = g[U + k], hh = g[2 * U + k], hr_h = io.s.reset_after ? g[3 * U + k] : T(0);
    const GruUnitGrads<T> d =
        gru_unit_grads(dh_new, z, r, hh, hr_h, h_prev, io.s.reset_after, rnn_derivative_from_output(ra, z),
                       rnn_derivative_from_output(ra, r), rnn_derivative_from_output(a, hh));
    din[k] = d.dz;
    din[U + k] = d.dr;  // without reset_after: set by gru_grad_reset_before
    din[2 * U + k] = d.dhh;
    if (io.s.reset_after) {  // (without it, dg_rec is dg_in)
      drec[k] = d.dz;
      drec[U + k] = d.dr;
      drec[2 * U + k] = d.d_hr_h;
    }
    io.dh[i] = d.dh_carry;
  }
}

// Without reset_after: dq = d(r * hm) in `through`; r's gradient, and through = dq * r.
template <typename T>
__global__ void gru_grad_reset_before(RnnShape s, int64_t t, int64_t it, const T* gates, const T* hm_all, T* dg_in,
                                      T* through) {
  const int64_t U = s.units, G = 3 * U, Tn = s.steps, n = s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    const T r = gates[rnn_row(b, t, Tn) * G + U + k];
    const int64_t in_row = rnn_row(b, it, Tn);
    dg_in[in_row * G + U + k] = gru_reset_grad_before(through[i], hm_all[in_row * U + k],
                                                      rnn_derivative_from_output(s.recurrent_activation, r));
    through[i] *= r;
  }
}

template <typename T>
__global__ void simple_rnn_grad_step(GradIo<T> io, T* dpre) {
  const int64_t U = io.s.units, Tn = io.s.steps, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    T* dp = dpre + rnn_row(b, io.it, Tn) * U + k;
    T dh_new, h_prev;
    if (!grad_input(io, b, k, i, &dh_new, &h_prev)) {
      *dp = T(0);
      continue;
    }
    *dp = dh_new * rnn_derivative_from_output(io.s.activation, io.hiddens[rnn_row(b, io.t, Tn) * U + k]);
    io.dh[i] = T(0);  // replaced by the recurrence's part
  }
}

template <typename T>
__global__ void lstm_grad_step(GradIo<T> io, const T* gates, const T* cells, const T* c0, T* dc, T* dz_all) {
  const int64_t U = io.s.units, G = 4 * U, Tn = io.s.steps, n = io.s.batch * U;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / U, k = i % U;
    T* dz = dz_all + rnn_row(b, io.it, Tn) * G;
    T dh_new, h_prev;
    if (!grad_input(io, b, k, i, &dh_new, &h_prev)) {
      dz[k] = dz[U + k] = dz[2 * U + k] = dz[3 * U + k] = T(0);
      continue;
    }
    const RnnActivation ra = io.s.recurrent_activation, a = io.s.activation;
    const T* g = gates + rnn_row(b, io.t, Tn) * G;
    const T ig = g[k], fg = g[U + k], gg = g[2 * U + k], og = g[3 * U + k];
    const T act_c = rnn_activate(a, cells[rnn_row(b, io.t, Tn) * U + k]);
    const T c_prev = io.t > 0 ? cells[rnn_row(b, io.t - 1, Tn) * U + k] : (c0 ? c0[i] : T(0));
    const LstmUnitGrads<T> d =
        lstm_unit_grads(dh_new, dc[i], ig, fg, gg, og, act_c, c_prev, rnn_derivative_from_output(ra, ig),
                        rnn_derivative_from_output(ra, fg), rnn_derivative_from_output(a, gg),
                        rnn_derivative_from_output(ra, og), rnn_derivative_from_output(a, act_c));
    dz[k] = d.di;
    dz[U + k] = d.df;
    dz[2 * U + k] = d.dg;
    dz[3 * U + k] = d.do_;
    dc[i] = d.dc_carry;
    io.dh[i] = T(0);  // replaced by the recurrence's part
  }
}

template <typename T>
__global__ void init_grads(const T* d_output, const T* d_h, const T* d_c, bool return_sequences, T* dh, T* dc, T* dout,
                           int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    dh[i] = d_h[i];
    if (dc) dc[i] = d_c[i];
    dout[i] = return_sequences ? T(0) : d_output[i];
  }
}

// dh += through * m_rec.
template <typename T>
__global__ void add_masked(const T* through, const T* rmask, T* dh, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dh[i] += rmask ? through[i] * rmask[i] : through[i];
}

// out[j] = sum over rows of x[r, j] (d_bias): 32 columns per block, 8 row lanes reduced in
// shared memory, so the order of the sum is fixed (deterministic).
template <typename T>
__global__ void column_sums(const T* x, int64_t rows, int64_t cols, T* out) {
  __shared__ T partial[8][32];
  const int64_t j = blockIdx.x * 32 + threadIdx.x;
  T sum = T(0);
  if (j < cols)
    for (int64_t r = threadIdx.y; r < rows; r += 8) sum += x[r * cols + j];
  partial[threadIdx.y][threadIdx.x] = sum;
  __syncthreads();
  if (threadIdx.y == 0 && j < cols) {
    T total = T(0);
    for (int y = 0; y < 8; ++y) total += partial[y][threadIdx.x];
    out[j] = total;
  }
}

template <typename T>
void bias_grad(const T* dg, int64_t rows, int64_t cols, T* out, cudaStream_t st) {
  if (cols == 0) return;
  column_sums<<<static_cast<unsigned>((cols + 31) / 32), dim3(32, 8), 0, st>>>(dg, rows, cols, out);
  check_launch("recurrent bias gradient");
}

template <typename T>
void backward(const KernelContext& ctx, Cell cell) {
  const RnnPrepared& p = ctx.prepared<RnnPrepared>();
  const RnnShape& s = p.shape;
  const RnnInputs& l = p.inputs;
  const int64_t B = s.batch, Tn = s.steps, F = s.features, U = s.units;
  const int64_t G = (cell == Cell::Lstm ? 4 : cell == Cell::Gru ? 3 : 1) * U;
  const size_t S = cell == Cell::Lstm ? 2 : 1;
  cudaStream_t st = stream(ctx);
  cublasHandle_t h = blas(ctx);
  auto in = [&](size_t i) { return ctx.inputs[i].data<T>(); };
  const T *d_output = in(0), *d_h = in(1), *d_c = cell == Cell::Lstm ? in(2) : nullptr;
  const T *x = in(S + 1), *kernel = in(S + 2), *recurrent = in(S + 3);
  const size_t saved = S + 4;  // first saved activation
  const T* gates = cell == Cell::SimpleRnn ? nullptr : in(saved);
  const T* cells = cell == Cell::Lstm ? in(saved + 1) : nullptr;
  const T* hiddens = in(saved + (cell == Cell::Lstm ? 2 : cell == Cell::Gru ? 1 : 0));
  const T* h0 = l.states ? in(l.first_state) : nullptr;
  const T* c0 = l.states > 1 ? in(l.first_state + 1) : nullptr;
  const T* rmask = l.recurrent_mask ? in(l.recurrent_mask_at) : nullptr;
  const T* mask = mask_values<T>(ctx, p);
  T *dx = ctx.outputs[0].data<T>(), *d_kernel = ctx.outputs[1].data<T>(), *d_recurrent = ctx.outputs[2].data<T>();
  T* d_bias = ctx.outputs[3].data<T>();
  const int64_t width = cell == Cell::Gru ? (s.reset_after ? 4 : 3) * U : G;

  Scratch scratch(ctx, p.mask_offset);
  T* dg_in = scratch.take<T>(B * Tn * G);
  // What multiplies U^T per step: dg_in, except for a reset_after GRU (its h block is dhh * r).
  T* dg_rec = cell == Cell::Gru && s.reset_after ? scratch.take<T>(B * Tn * G) : dg_in;
  T* hm_all = scratch.take<T>(B * Tn * U);
  T* q_all = cell == Cell::Gru && !s.reset_after ? scratch.take<T>(B * Tn * U) : nullptr;
  T* dh = scratch.take<T>(B * U);
  T* dout = scratch.take<T>(B * U);
  T* dc = cell == Cell::Lstm ? scratch.take<T>(B * U) : nullptr;
  T* through = scratch.take<T>(B * U);

  const unsigned blocks = blocks_for(B * U);
  init_grads<<<blocks, kThreads, 0, st>>>(d_output, d_h, d_c, s.return_sequences, dh, dc, dout, B * U);
  check_launch("recurrent init_grads");
  for (int64_t t = Tn - 1; t >= 0; --t) {
    const int64_t it = s.input_step(t);
    GradIo<T> io{s, t, it, mask, rmask, d_output, hiddens, h0, dh, dout, hm_all};
    switch (cell) {
      case Cell::Lstm: lstm_grad_step<<<blocks, kThreads, 0, st>>>(io, gates, cells, c0, dc, dg_in); break;
      case Cell::SimpleRnn: simple_rnn_grad_step<<<blocks, kThreads, 0, st>>>(io, dg_in); break;
      case Cell::Gru: gru_grad_step<<<blocks, kThreads, 0, st>>>(io, gates, width, dg_in, dg_rec, q_all); break;
    }
    check_launch("recurrent grad step");
    const T* rows = dg_rec + it * G;  // this step's rows, Tn * G apart
    if (cell == Cell::Gru && !s.reset_after) {
      // dq = dhh U_h^T; r's gradient; then d hm = [dz, dr] U_zr^T + dq * r.
      gemm(h, false, true, B, U, U, rows + 2 * U, Tn * G, recurrent + 2 * U, G, through, U, false);
      gru_grad_reset_before<<<blocks, kThreads, 0, st>>>(s, t, it, gates, hm_all, dg_in, through);
      check_launch("gru grad reset gate");
      gemm(h, false, true, B, U, 2 * U, rows, Tn * G, recurrent, G, through, U, true);
      add_masked<<<blocks, kThreads, 0, st>>>(through, rmask, dh, B * U);
    } else if (rmask) {
      gemm(h, false, true, B, U, G, rows, Tn * G, recurrent, G, through, U, false);
      add_masked<<<blocks, kThreads, 0, st>>>(through, rmask, dh, B * U);
    } else {
      gemm(h, false, true, B, U, G, rows, Tn * G, recurrent, G, dh, U, true);
    }
    check_launch("recurrent state gradient");
  }
  gemm(h, false, true, B * Tn, F, G, dg_in, G, kernel, G, dx, F, false);
  gemm(h, true, false, F, G, B * Tn, x, F, dg_in, G, d_kernel, G, false);
  if (cell == Cell::Gru && !s.reset_after) {
    gemm(h, true, false, U, 2 * U, B * Tn, hm_all, U, dg_in, G, d_recurrent, G, false);
    gemm(h, true, false, U, U, B * Tn, q_all, U, dg_in + 2 * U, G, d_recurrent + 2 * U, G, false);
  } else {
    gemm(h, true, false, U, G, B * Tn, hm_all, U, dg_rec, G, d_recurrent, G, false);
  }
  bias_grad(dg_in, B * Tn, G, d_bias, st);
  if (cell == Cell::Gru && s.reset_after) bias_grad(dg_rec, B * Tn, G, d_bias + G, st);
  if (l.states) {
    copy_async(dh, ctx.outputs[4].data<T>(), B * U, st);
    if (cell == Cell::Lstm) copy_async(dc, ctx.outputs[5].data<T>(), B * U, st);
  }
}

template <typename Fn>
void by_dtype(const Tensor& x, Fn&& fn) {
  if (x.dtype() == DType::f64) fn(double{});
  else fn(float{});
}
}  // namespace

void register_recurrent_cuda_kernels() {
  const struct {
    const char* op;
    Cell cell;
  } ops[] = {{"lstm", Cell::Lstm}, {"gru", Cell::Gru}, {"simple_rnn", Cell::SimpleRnn}};
  for (const auto& o : ops) {
    const Cell cell = o.cell;
    register_kernel(o.op, DeviceType::CUDA, [cell](const KernelContext& ctx) {
      by_dtype(ctx.inputs[0], [&](auto tag) { forward<decltype(tag)>(ctx, cell); });
    });
    register_kernel(std::string(o.op) + "_grad", DeviceType::CUDA, [cell](const KernelContext& ctx) {
      by_dtype(ctx.inputs[0], [&](auto tag) { backward<decltype(tag)>(ctx, cell); });
    });
  }
}

}  // namespace dagnet::cuda
