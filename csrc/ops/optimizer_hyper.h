// The optimizer updates' hyper-parameters, parsed once per plan by their prepare rule
// (ops/optimizers.cpp; each op reads the ones it has) and passed to the CPU and CUDA kernels.
#pragma once

namespace dagnet {

struct OptimizerHyper {
  double momentum, beta_1, beta_2, epsilon, rho, weight_decay;
  bool nesterov, amsgrad, centered;
};

}  // namespace dagnet
