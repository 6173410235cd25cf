#include "graph/op.h"

#include <map>
#include <memory>

#include "graph/graph.h"

namespace dagnet {

std::string InferContext::where() const { return cat("node '", node_name_, "' (", op_.name, ")"); }

void InferContext::fail(const std::string& message) const {
  std::string shapes;
  for (size_t i = 0; i < inputs_.size(); ++i) shapes += (i ? ", " : "") + shape_str(inputs_[i].shape);
  throw Error(ErrorKind::Value, cat(where(), ": ", message, "; input shapes: ", shapes));
}

void InferContext::require_float(size_t i) const {
  check(is_floating(dtype(i)), ErrorKind::Type, where(), ": input ", i, " must be float32 or float64, got ",
        dtype_name(dtype(i)));
}

void InferContext::require_same_dtype(size_t first, size_t last) const {
  for (size_t i = first + 1; i < last; ++i)
    check(dtype(i) == dtype(first), ErrorKind::Type, where(), ": input ", i, " has dtype ", dtype_name(dtype(i)),
          " but input ", first, " has ", dtype_name(dtype(first)));
}

const Attrs& KernelContext::attrs() const { return node.attrs; }
const Attrs& PrepareContext::attrs() const { return node.attrs; }

void KernelContext::report_error(int32_t code, int64_t position, int64_t int_value, double float_value,
                                 int64_t bound) const {
  // Host-side record (CPU kernels; CUDA kernels write theirs with atomicCAS on the device).
  DeviceError* e = device->error;
  int32_t expected = 0;
  if (!__atomic_compare_exchange_n(&e->code, &expected, -1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  e->step = step;
  e->position = position;
  e->int_value = int_value;
  e->float_value = float_value;
  e->bound = bound;
  __atomic_store_n(&e->code, code, __ATOMIC_RELEASE);
}

namespace {
std::map<std::string, std::unique_ptr<OpDef>>& table() {
  static std::map<std::string, std::unique_ptr<OpDef>> ops;
  return ops;
}
}  // namespace

void register_op(OpDef op) {
  auto name = op.name;
  table()[name] = std::make_unique<OpDef>(std::move(op));
}

void register_kernel(const std::string& op, DeviceType device, Kernel kernel) {
  auto it = table().find(op);
  check(it != table().end(), ErrorKind::Runtime, "register_kernel: unknown op '", op, "'");
  (device == DeviceType::CUDA ? it->second->cuda : it->second->cpu) = std::move(kernel);
}

const OpDef& find_op(const std::string& name) {
  check(!table().empty(), ErrorKind::Runtime, "the op table is empty: call dagnet::init_engine() first");
  auto it = table().find(name);
  check(it != table().end(), ErrorKind::Value, "unknown op '", name, "'");
  return *it->second;
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (auto& kv : table()) names.push_back(kv.first);
  return names;
}

}  // namespace dagnet
