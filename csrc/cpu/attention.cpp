#include "cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/error.h"
#include "core/thread_pool.h"
#include "cpu/attention_rows.h"
#include "cpu/gemm.h"

namespace dagnet::cpu {

namespace {
// Query rows per block: enough rows that the GEMMs amortise packing the keys and values,
// few enough that a block of scores (rows x S) stays in cache. The backward's dK and dV
// GEMMs contract over the block's rows, so it takes larger blocks.
int64_t rows_per_block(const AttentionShape& s, bool backward) {
  const int64_t budget = backward ? (int64_t{1} << 18) : (int64_t{1} << 16);
  const int64_t by_cache = std::max<int64_t>(1, budget / std::max<int64_t>(1, s.kv_len));
  return std::max<int64_t>(1, std::min({s.q_len, by_cache, backward ? s.q_len : int64_t{256}}));
}

int64_t forward_items(const AttentionShape& s) {
  const int64_t rows = rows_per_block(s, false);
  return s.batch * s.heads * ((s.q_len + rows - 1) / rows);
}

// Independent slots of work, each with its own scratch: as many as the plan's threads (the
// workspace is sized then); the kernel uses as many as its workspace holds. Each item's
// result is the same in any slot, so nothing depends on the thread count.
int64_t planned_slots(int64_t items) { return std::max<int64_t>(1, std::min<int64_t>(items, num_threads())); }

// Runs fn(item, scratch) for items [0, count), split over the slots the scratch holds.
template <typename T, typename Fn>
void for_each_in_slots(int64_t count, int64_t per_slot, T* scratch, int64_t scratch_elements, Fn fn) {
  if (count <= 0) return;
  const int64_t slots = std::min(count, per_slot > 0 ? scratch_elements / per_slot : count);
  if (slots <= 0) fail(ErrorKind::Runtime, "attention: the workspace holds no slot of ", per_slot, " elements");
  parallel_for(slots, 1, [&](int64_t sb, int64_t se) {
    for (int64_t slot = sb; slot < se; ++slot)
      for (int64_t item = slot * count / slots; item < (slot + 1) * count / slots; ++item)
        fn(item, scratch + slot * per_slot);
  });
}

template <typename T>
void apply_dropout_row(const AttentionShape& s, uint64_t stream, int64_t b, int64_t n, int64_t i, const T* p, T* out) {
  const T scale = static_cast<T>(s.keep_scale());
  for (int64_t j = 0; j < s.kv_len; ++j) out[j] = attention_keeps(s, stream, b, n, i, j) ? p[j] * scale : T(0);
}

template <typename T>
const AttentionRowsOf<T>& row_ops() {
  if constexpr (std::is_same_v<T, float>) {
    static const AttentionRows ops = attention_rows_for_cpu();
    return ops;
  } else {
    static const AttentionRowsOf<double> ops = attention_rows_double();
    return ops;
  }
}

// Query i's row of the mask (null without one) and the stride along the keys.
template <typename T>
const T* mask_row(const AttentionShape& s, const T* mask, int64_t b, int64_t n, int64_t i) {
  return s.has_mask ? mask + b * s.mask_stride[0] + n * s.mask_stride[1] + i * s.mask_stride[2] : nullptr;
}

// Keys visible to query i through the causal mask: [0, limit).
int64_t causal_limit(const AttentionShape& s, int64_t i) { return s.causal ? std::min(s.kv_len, i + 1) : s.kv_len; }

// Key columns a block of query rows [i0, i0 + count) can reach. A causal block needs only the
// keys up to its last row, unless a fully hidden row spreads uniformly over every key.
int64_t block_keys(const AttentionShape& s, int64_t i0, int64_t count) {
  if (!s.causal || (s.has_mask && !s.zero_masked_rows)) return s.kv_len;
  return std::min(s.kv_len, i0 + count);
}

// Turns row i's raw dot products (row[0..keys)) into probabilities over all S columns.
template <typename T>
void softmax_row(const AttentionShape& s, const T* mask, int64_t b, int64_t n, int64_t i, T* row) {
  const AttentionRowsOf<T>& ops = row_ops<T>();
  const int64_t limit = causal_limit(s, i);
  const T m = ops.mask_scale_max(row, limit, static_cast<T>(s.scale), mask_row(s, mask, b, n, i), s.mask_stride[3]);
  if (m == -std::numeric_limits<T>::infinity()) {  // no visible key
    std::fill(row, row + s.kv_len, attention_empty_row_value<T>(s));
    return;
  }
  ops.scale(row, limit, T(1) / ops.exp_sum(row, limit, m));
  std::fill(row + limit, row + s.kv_len, T(0));
}

}  // namespace

int64_t attention_forward_scratch(const AttentionShape& s) {
  return planned_slots(forward_items(s)) * rows_per_block(s, false) * s.kv_len;
}

int64_t attention_backward_scratch(const AttentionShape& s) {
  return planned_slots(s.batch * s.heads) * 2 * rows_per_block(s, true) * s.kv_len;
}

template <typename T>
void attention_forward(const AttentionShape& s, const T* q, const T* k, const T* v, const T* mask, int64_t counter,
                       T* out, T* probs, T* scratch, int64_t scratch_elements) {
  const int64_t T_ = s.q_len, S = s.kv_len, H = s.key_dim, Hv = s.value_dim;
  const int64_t rows = rows_per_block(s, false), blocks_per_head = (T_ + rows - 1) / rows;
  const uint64_t stream = rng_stream(s.seed, counter);
  for_each_in_slots(forward_items(s), rows * S, scratch, scratch_elements, [&](int64_t item, T* sc) {
    const int64_t head = item / blocks_per_head, b = head / s.heads, n = head % s.heads;
    const int64_t i0 = (item % blocks_per_head) * rows, count = std::min(rows, T_ - i0);
    const int64_t keys = block_keys(s, i0, count);
    gemm<T>(false, true, count, keys, H, q + s.q_offset(b, i0, n), s.ld_qk(), k + s.k_offset(b, 0, n), s.ld_qk(), sc, S,
            false);
    for (int64_t r = 0; r < count; ++r) {
      T* row = sc + r * S;
      softmax_row(s, mask, b, n, i0 + r, row);
      if (probs) std::copy(row, row + S, probs + s.probs_offset(b, n, i0 + r));
      if (s.dropout > 0) apply_dropout_row(s, stream, b, n, i0 + r, row, row);
    }
    gemm<T>(false, false, count, Hv, keys, sc, S, v + s.v_offset(b, 0, n), s.ld_v(), out + s.out_offset(b, i0, n),
            s.ld_v(), false);
  });
}

template <typename T>
void attention_backward(const AttentionShape& s, const T* dout, const T* q, const T* k, const T* v, const T* mask,
                        int64_t counter, const T* probs, const T* dprobs, T* dq, T* dk, T* dv, T* scratch,
                        int64_t scratch_elements) {
  const int64_t T_ = s.q_len, S = s.kv_len, H = s.key_dim, Hv = s.value_dim;
  const int64_t rows = rows_per_block(s, true);
  const uint64_t stream = rng_stream(s.seed, counter);
  const T scale = static_cast<T>(s.scale), keep_scale = static_cast<T>(s.keep_scale());
  const AttentionRowsOf<T>& ops = row_ops<T>();
  for_each_in_slots(s.batch * s.heads, 2 * rows * S, scratch, scratch_elements, [&](int64_t head, T* dropped) {
    // dropped: the probabilities after dropout (rows x S)
    T* grad = dropped + rows * S;       // d(probabilities), then d(logits)
    const int64_t b = head / s.heads, n = head % s.heads;
    // dK and dV accumulate over the row blocks, each block reaching its own keys.
    for (int64_t j = 0; j < S; ++j) {
      std::fill(dk + s.k_offset(b, j, n), dk + s.k_offset(b, j, n) + H, T(0));
      std::fill(dv + s.v_offset(b, j, n), dv + s.v_offset(b, j, n) + Hv, T(0));
    }
    for (int64_t i0 = 0; i0 < T_; i0 += rows) {
      const int64_t count = std::min(rows, T_ - i0), keys = block_keys(s, i0, count);
      const T* p = probs + s.probs_offset(b, n, i0);
      const T* pd = p;
      if (s.dropout > 0) {
        for (int64_t r = 0; r < count; ++r) apply_dropout_row(s, stream, b, n, i0 + r, p + r * S, dropped + r * S);
        pd = dropped;
      }
      const T* dout_block = dout + s.out_offset(b, i0, n);
      // dV += Pd^T dO ; dPd = dO V^T
      gemm<T>(true, false, keys, Hv, count, pd, S, dout_block, s.ld_v(), dv + s.v_offset(b, 0, n), s.ld_v(), true);
      gemm<T>(false, true, count, keys, Hv, dout_block, s.ld_v(), v + s.v_offset(b, 0, n), s.ld_v(), grad, S, false);
      for (int64_t r = 0; r < count; ++r) {
        const int64_t i = i0 + r, limit = std::min(keys, causal_limit(s, i));
        const T* pr = p + r * S;
        T* g = grad + r * S;
        if (s.dropout > 0)
          for (int64_t j = 0; j < keys; ++j) g[j] = attention_keeps(s, stream, b, n, i, j) ? g[j] * keep_scale : T(0);
        if (dprobs) {
          const T* extra = dprobs + s.probs_offset(b, n, i);
          for (int64_t j = 0; j < keys; ++j) g[j] += extra[j];
        }
        // Hidden keys get no gradient (their logits were replaced, not computed).
        const T dot = ops.dot(pr, g, keys);
        ops.softmax_grad(pr, g, limit, dot, scale, mask_row(s, mask, b, n, i), s.mask_stride[3]);
        std::fill(g + limit, g + keys, T(0));
      }
      // dQ = dS K ; dK += dS^T Q
      gemm<T>(false, false, count, H, keys, grad, S, k + s.k_offset(b, 0, n), s.ld_qk(), dq + s.q_offset(b, i0, n),
              s.ld_qk(), false);
      gemm<T>(true, false, keys, H, count, grad, S, q + s.q_offset(b, i0, n), s.ld_qk(), dk + s.k_offset(b, 0, n),
              s.ld_qk(), true);
    }
  });
}

template void attention_forward<float>(const AttentionShape&, const float*, const float*, const float*, const float*,
                                       int64_t, float*, float*, float*, int64_t);
template void attention_forward<double>(const AttentionShape&, const double*, const double*, const double*,
                                        const double*, int64_t, double*, double*, double*, int64_t);
template void attention_backward<float>(const AttentionShape&, const float*, const float*, const float*, const float*,
                                        const float*, int64_t, const float*, const float*, float*, float*, float*,
                                        float*, int64_t);
template void attention_backward<double>(const AttentionShape&, const double*, const double*, const double*,
                                         const double*, const double*, int64_t, const double*, const double*, double*,
                                         double*, double*, double*, int64_t);

}  // namespace dagnet::cpu
