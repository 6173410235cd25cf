// Fused scaled dot-product attention on the CPU (layouts: ops/attention_layout.h).
// Forward, per (batch, head) and block of query rows: one GEMM for the scores, the masked
// softmax (and dropout) on the block while it is in cache, one GEMM into the output. The
// probabilities are written out only when the plan keeps them (training, or
// return_attention_scores). Backward, per (batch, head): the four GEMMs of the gradient
// with the softmax and dropout gradients in between; dK and dV accumulate over row blocks.
// Work is split into slots, each with its own scratch (one per thread when the plan is made;
// the kernels use as many as their scratch holds); results do not depend on the count.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ops/attention_layout.h"

namespace dagnet::cpu {

// Scratch elements the kernels ask for (the planner's workspace); the kernels take the size
// they got (`scratch_elements`).
int64_t attention_forward_scratch(const AttentionShape& s);
int64_t attention_backward_scratch(const AttentionShape& s);

// `mask` may be null when !s.has_mask; `probs` may be null (then not written); `counter`
// is the drawn RNG counter (read only when s.dropout > 0).
template <typename T>
void attention_forward(const AttentionShape& s, const T* q, const T* k, const T* v, const T* mask, int64_t counter,
                       T* out, T* probs, T* scratch, int64_t scratch_elements);

// `probs` are the forward's (pre-dropout) probabilities; `dprobs` (null unless
// s.has_probs_grad) a gradient reaching them directly; dq, dk, dv are overwritten.
template <typename T>
void attention_backward(const AttentionShape& s, const T* dout, const T* q, const T* k, const T* v, const T* mask,
                        int64_t counter, const T* probs, const T* dprobs, T* dq, T* dk, T* dv, T* scratch,
                        int64_t scratch_elements);

}  // namespace dagnet::cpu
