// Marks small helpers (index arithmetic, per-statistic formulas) that CPU kernels and CUDA
// kernels share: compiled for both by nvcc, plain inline functions elsewhere, so the
// CPU tests exercise the exact code the device runs.
#pragma once

#if defined(__CUDACC__)
#define DAGNET_HOST_DEVICE __host__ __device__
#else
#define DAGNET_HOST_DEVICE
#endif
