#include "cpu/lstm_gates.h"

#if defined(DAGNET_X86_KERNELS)
#include "cpu/lstm_gates_body.h"

namespace dagnet::cpu {
LstmRowKernels lstm_row_kernels_avx512() { return {lstm_row_step_impl, lstm_row_grad_impl}; }
}  // namespace dagnet::cpu
#endif
