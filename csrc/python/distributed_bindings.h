// _engine.distributed: the process group's bindings (distributed_bindings.cpp).
#pragma once
#include <pybind11/pybind11.h>

namespace dagnet {
void bind_distributed(pybind11::module_& engine);
}  // namespace dagnet
