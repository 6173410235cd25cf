// Geometry and per-element rules of scaled dot-product attention, shared by the CPU and
// CUDA kernels (DAGNET_HOST_DEVICE), so the CPU tests exercise the index arithmetic and the mask,
// softmax and dropout rules the device kernels run.
//
// Layouts are Keras's MultiHeadAttention einsum layouts, read in place (no transposes):
//   query (B, T, N, H), key (B, S, N, H), value (B, S, N, Hv), output (B, T, N, Hv),
//   probabilities (B, N, T, S), mask broadcastable to (B, N, T, S) (rank 4, each axis 1
//   or full; nonzero = attend).
// For one (batch b, head n) the query rows are a T x H matrix with row stride N*H, so the
// GEMMs of a head read Q, K, V and write the output with leading dimension N*H (or N*Hv).
#pragma once
#include <algorithm>
#include <cstdint>

#include "ops/counter_rng.h"
#include "ops/host_device.h"

namespace dagnet {

struct AttentionShape {
  int64_t batch = 0, heads = 0, q_len = 0, kv_len = 0, key_dim = 0, value_dim = 0;
  int64_t mask_stride[4] = {0, 0, 0, 0};  // over (batch, heads, q, kv); 0 on broadcast axes
  bool has_mask = false;
  bool causal = false;            // key j is visible to query i only when j <= i (Keras's causal mask)
  bool zero_masked_rows = false;  // a row with no visible key: zeros (else uniform over all keys)
  double scale = 1.0;             // logits = scale * q . k
  double dropout = 0.0;           // rate applied to the probabilities (inverted dropout)
  int64_t seed = 0;
  bool has_probs_grad = false;  // attention_grad: a gradient reaches the probabilities too

  // Input positions of the optional operands after `leading` fixed ones (3 for attention:
  // q, k, v; 5 for attention_grad: dout, q, k, v, probs), in this order; -1 when absent.
  DAGNET_HOST_DEVICE int counter_input(int leading) const { return dropout > 0 ? leading : -1; }
  DAGNET_HOST_DEVICE int mask_input(int leading) const { return has_mask ? leading + (dropout > 0) : -1; }
  DAGNET_HOST_DEVICE int probs_grad_input(int leading) const {
    return has_probs_grad ? leading + (dropout > 0) + has_mask : -1;
  }
  DAGNET_HOST_DEVICE int input_count(int leading) const { return leading + (dropout > 0) + has_mask + has_probs_grad; }

  // Leading dimensions of one head's matrices.
  DAGNET_HOST_DEVICE int64_t ld_qk() const { return heads * key_dim; }
  DAGNET_HOST_DEVICE int64_t ld_v() const { return heads * value_dim; }
  // Element offsets of row i (query) / j (key, value) of head n in batch entry b.
  DAGNET_HOST_DEVICE int64_t q_offset(int64_t b, int64_t i, int64_t n) const {
    return ((b * q_len + i) * heads + n) * key_dim;
  }
  DAGNET_HOST_DEVICE int64_t k_offset(int64_t b, int64_t j, int64_t n) const {
    return ((b * kv_len + j) * heads + n) * key_dim;
  }
  DAGNET_HOST_DEVICE int64_t v_offset(int64_t b, int64_t j, int64_t n) const {
    return ((b * kv_len + j) * heads + n) * value_dim;
  }
  DAGNET_HOST_DEVICE int64_t out_offset(int64_t b, int64_t i, int64_t n) const {
    return ((b * q_len + i) * heads + n) * value_dim;
  }
  // Offset of row i of head (b, n) in the (B, N, T, S) probabilities.
  DAGNET_HOST_DEVICE int64_t probs_offset(int64_t b, int64_t n, int64_t i) const {
    return ((b * heads + n) * q_len + i) * kv_len;
  }
  DAGNET_HOST_DEVICE int64_t probs_elements() const { return batch * heads * q_len * kv_len; }
  DAGNET_HOST_DEVICE double keep_scale() const { return dropout > 0 ? 1.0 / (1.0 - dropout) : 1.0; }
};

// Whether query i of head (b, n) may attend to key j.
template <typename T>
DAGNET_HOST_DEVICE inline bool attention_visible(const AttentionShape& s, const T* mask, int64_t b, int64_t n,
                                                 int64_t i, int64_t j) {
  if (s.causal && j > i) return false;
  if (s.has_mask) {
    const int64_t at = b * s.mask_stride[0] + n * s.mask_stride[1] + i * s.mask_stride[2] + j * s.mask_stride[3];
    if (mask[at] == T(0)) return false;
  }
  return true;
}

// Whether dropout keeps probability (b, n, i, j); `stream` is rng_stream(seed, counter).
DAGNET_HOST_DEVICE inline bool attention_keeps(const AttentionShape& s, uint64_t stream, int64_t b, int64_t n,
                                               int64_t i, int64_t j) {
  return s.dropout <= 0 || rng_keep(stream, static_cast<uint64_t>(s.probs_offset(b, n, i) + j), s.dropout);
}

// The probability of a row with no visible key (Keras: zeros when the scores go through
// its Softmax layer, a uniform row when they go through dot_product_attention).
template <typename T>
DAGNET_HOST_DEVICE inline T attention_empty_row_value(const AttentionShape& s) {
  return s.zero_masked_rows || s.kv_len == 0 ? T(0) : T(1) / static_cast<T>(s.kv_len);
}

// The device kernels materialise the scores of `chunk` batch entries at a time in the
// workspace (one buffer forward, two backward), so long sequences and large batches keep
// a bounded workspace; the batched GEMMs of a chunk read pointer arrays at the workspace's
// start. The CPU kernels need less (see cpu/attention.h); the op asks for the larger.
constexpr int64_t kAttentionDeviceBufferElements = int64_t{1} << 22;

inline int64_t attention_device_chunk(const AttentionShape& s) {
  const int64_t per_entry = s.heads * s.q_len * s.kv_len;
  if (per_entry == 0 || s.batch == 0) return 1;
  return std::max<int64_t>(1, std::min(s.batch, kAttentionDeviceBufferElements / per_entry));
}
inline int64_t attention_device_scratch_elements(const AttentionShape& s, bool backward) {
  return (backward ? 2 : 1) * attention_device_chunk(s) * s.heads * s.q_len * s.kv_len;
}
// Three pointer arrays (A, B, C operands) of one chunk's (batch, head) pairs.
inline int64_t attention_device_pointer_bytes(const AttentionShape& s) {
  return 3 * attention_device_chunk(s) * s.heads * static_cast<int64_t>(sizeof(void*));
}

}  // namespace dagnet
