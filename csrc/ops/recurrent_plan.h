// What the recurrent ops (lstm, gru, simple_rnn and their _grad ops) hand their kernels on
// every device: the sequence's shape and options, parsed once per plan by prepare, and
// where the optional inputs sit. Plain data, so CPU and CUDA kernels share it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ops/kinds.h"
#include "ops/recurrent_math.h"

namespace dagnet {

// One recurrent layer's sequence. Step t is the processing order; with go_backwards it
// reads input step T-1-t, and outputs and saved activations stay in processing order (as
// Keras returns them). A masked step (mask 0) keeps the state and repeats the previous
// output, which starts at zero, or outputs zeros with zero_output_for_mask (Keras 3).
struct RnnShape {
  int64_t batch, steps, features, units;
  bool go_backwards, return_sequences, zero_output_for_mask;
  RnnActivation activation, recurrent_activation;
  bool reset_after;  // GRU only: the reset gate applied after the recurrent product
  DAGNET_HOST_DEVICE int64_t input_step(int64_t t) const { return rnn_input_step(t, steps, go_backwards); }
};

// Where the optional inputs sit: `states` initial states (when has_initial_state), then
// the mask (batch, time), then recurrent dropout's (batch, units) mask.
struct RnnInputs {
  size_t states = 0;
  bool mask = false, recurrent_mask = false;
  size_t first_state = 0, mask_at = 0, recurrent_mask_at = 0;
  size_t count() const { return states + mask + recurrent_mask; }
};

struct RnnPrepared {
  RnnShape shape;
  RnnInputs inputs;
  size_t mask_offset;  // bytes into the workspace where the kernel keeps the mask as numbers
};

}  // namespace dagnet
