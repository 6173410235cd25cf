// The float32 LSTM step's elementwise part for one batch row, compiled once per ISA
// (lstm_gates_avx512.cpp, lstm_gates_avx2.cpp, and a baseline build) and chosen at run
// time: sigmoid / tanh of the four gate blocks of z into `gates`, then (when the step is
// valid) c = f c + i g and h = o tanh(c).
#pragma once
#include <cstdint>

namespace dagnet::cpu {

using LstmRowStep = void (*)(const float* z, float* gates, float* c, float* h, int64_t units, bool valid);

LstmRowStep lstm_row_step_avx512();
LstmRowStep lstm_row_step_avx2();
LstmRowStep lstm_row_step_baseline();
LstmRowStep lstm_row_step_for_cpu();

}  // namespace dagnet::cpu
