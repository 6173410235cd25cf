// Activation functions and their gradients. Gradients are written in terms of the
// activation's output y, so the backward pass never needs the pre-activation input.
#pragma once
#include <cstdint>
#include <string>

#include "ops/activation_math.h"
#include "ops/kinds.h"

namespace dagnet::cpu {

using dagnet::Activation;
using dagnet::ActivationLayout;  // ops/activation_math.h; `alpha` is ELU's
using dagnet::parse_activation;

template <typename T>
void activation_forward(Activation act, double alpha, const ActivationLayout& layout, const T* x, T* y);

// Elementwise activations (not softmax) on one contiguous run, on the calling thread:
// for epilogues that already run inside a parallel task.
template <typename T>
void activation_forward_serial(Activation act, double alpha, const T* x, T* y, int64_t n);

// dx = dy * f'(x), computed from y = f(x). dx may alias dy.
template <typename T>
void activation_backward(Activation act, double alpha, const ActivationLayout& layout, const T* dy, const T* y, T* dx);

}  // namespace dagnet::cpu
