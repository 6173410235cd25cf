// CPU instruction-set detection at run time, so one wheel runs on any x86-64 and
// still picks the widest kernels the machine has.
#pragma once

namespace dagnet {

enum class CpuIsa { Portable, AVX2_FMA, AVX512 };

CpuIsa detected_cpu_isa();
// DAGNET_CPU_ISA=portable|avx2|avx512 may lower (never raise) the detected level.
CpuIsa active_cpu_isa();
const char* cpu_isa_name(CpuIsa isa);

}  // namespace dagnet
