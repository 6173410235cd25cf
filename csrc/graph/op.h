// An op is one table entry: its attributes, its shape rule, its kernels and its
// backward rule. The backward rule adds ordinary nodes to the graph, so the backward
// pass is itself a graph the planner and scheduler see. Graph construction never runs
// kernels; kernels never build graphs.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/device_backend.h"
#include "core/error.h"
#include "core/tensor.h"
#include "graph/attrs.h"

namespace dagnet {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr ValueId kNoValue = -1;

struct TensorSpec {
  Shape shape;
  DType dtype = DType::f32;
};

struct OpDef;
struct Node;
class GradBuilder;

// What a shape rule sees. Dimensions may be unknown (-1) at graph build time and are
// known when a plan is made for concrete input shapes; rules must handle both.
class InferContext {
 public:
  InferContext(const OpDef& op, const std::string& node_name, const std::vector<TensorSpec>& inputs, const Attrs& attrs)
      : op_(op), node_name_(node_name), inputs_(inputs), attrs_(attrs) {}

  size_t num_inputs() const { return inputs_.size(); }
  const Shape& shape(size_t i) const { return inputs_[i].shape; }
  DType dtype(size_t i) const { return inputs_[i].dtype; }
  const Attrs& attrs() const { return attrs_; }

  // Throws a Value error naming the node, the op and every input shape.
  [[noreturn]] void fail(const std::string& message) const;
  template <typename... Parts>
  void require(bool condition, const Parts&... parts) const {
    if (!condition) fail(cat(parts...));
  }
  // Throws a Type error unless input i is float32/float64.
  void require_float(size_t i) const;
  // Throws a Type error unless inputs [first, last) share input first's dtype.
  void require_same_dtype(size_t first, size_t last) const;
  std::string where() const;  // "node 'dense_1' (dense)"

 private:
  const OpDef& op_;
  const std::string& node_name_;
  const std::vector<TensorSpec>& inputs_;
  const Attrs& attrs_;
};

// What prepare sees: one node with the concrete shapes of a plan, on the plan's device.
struct PrepareContext {
  const Node& node;
  const std::vector<TensorSpec>& inputs;
  const std::vector<TensorSpec>& outputs;
  Device device;
  const Attrs& attrs() const;
};

// What a kernel sees: concrete tensors (inputs, outputs already allocated, on the plan's
// device), the scratch the op's workspace rule asked for, the result of the op's prepare
// for this plan, and the device context (stream, library handles, error record).
// Kernels allocate nothing: everything they need beyond their tensors is workspace.
struct KernelContext {
  const Node& node;
  const std::vector<Tensor>& inputs;
  const std::vector<Tensor>& outputs;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  const void* prepared_state = nullptr;  // what OpDef::prepare returned for this plan step
  DeviceContext* device = nullptr;
  int step = -1;  // this node's step in the plan (error reports name it)
  const Attrs& attrs() const;
  // The op's prepared state (the type its prepare returned).
  template <typename T>
  const T& prepared() const {
    return *static_cast<const T*>(prepared_state);
  }
  // Records bad data (the first report of a run wins). The CPU executor checks the record
  // after every kernel, other devices once after the step; OpDef::describe_error turns it
  // into the Python error. The kernel then returns without reading the bad value.
  void report_error(int32_t code, int64_t position, int64_t int_value, double float_value, int64_t bound) const;
};

using ShapeRule = std::function<std::vector<TensorSpec>(const InferContext&)>;
using Kernel = std::function<void(const KernelContext&)>;
using CpuKernel = Kernel;
// Parses attributes and derives what the kernels need from the plan's shapes, once per
// plan; the result lives in the plan step and reaches kernels as KernelContext::prepared.
using PrepareRule = std::function<std::shared_ptr<const void>(const PrepareContext&)>;
// The message of a kernel's DeviceError (the executor raises it as a Value error).
using ErrorRule = std::function<std::string(const Node&, const std::vector<TensorSpec>& inputs, const DeviceError&)>;
// Returns one gradient value per input (kNoValue where none flows).
using BackwardRule =
    std::function<std::vector<ValueId>(GradBuilder&, const Node&, const std::vector<ValueId>& output_grads)>;
using WorkspaceRule = std::function<size_t(const std::vector<TensorSpec>& inputs,
                                           const std::vector<TensorSpec>& outputs, const Attrs& attrs)>;
// Byte offsets of an op's outputs inside its input 0 (see OpDef::output_views).
using ViewRule = std::function<std::vector<size_t>(const std::vector<TensorSpec>& inputs,
                                                   const std::vector<TensorSpec>& outputs, const Attrs& attrs)>;

// Where the scheduler puts a node within the waves its dependencies allow. Early: first in
// its wave (a collective that should start as soon as its inputs exist). Late: in the
// last wave before its first consumer, last in that wave (the wait for a collective, so
// the work of the waves in between overlaps the communication).
enum class Placement { Normal, Early, Late };

// Convenience for prepare rules: wraps a value as the prepared state.
template <typename T>
std::shared_ptr<const void> prepared_state(T value) {
  return std::make_shared<const T>(std::move(value));
}

struct OpDef {
  std::string name;
  int min_inputs = 1;
  int max_inputs = 1;  // -1: any number
  std::vector<AttrSpec> attrs;
  ShapeRule infer;
  // Kernels per device; a plan on a device whose kernel is missing fails at plan time,
  // naming the op. CUDA kernels are attached by the CUDA backend (register_kernel).
  Kernel cpu;
  Kernel cuda;
  PrepareRule prepare;       // optional; see PrepareRule
  ErrorRule describe_error;  // for ops whose kernels report_error
  BackwardRule backward;     // empty: no gradient flows through this op
  int inplace_input = -1;    // output 0 may reuse this input's buffer
  std::vector<int> mutates;  // inputs this op writes in place (optimizer state, params)
  WorkspaceRule workspace;   // scratch bytes the kernel needs, if any
  // When set, the CPU kernel's scratch (`workspace` is then the other devices'): where the
  // CPU kernel picks among paths with different needs (the convolutions), a plan on the
  // CPU reserves only what the path it will take uses.
  WorkspaceRule cpu_workspace;
  // Inputs at and after this index are read for their shapes only (known from the
  // plan), so the planner does not keep their bytes alive for this node.
  int shape_only_from = -1;
  // Outputs at and after this index exist only for the backward pass (saved activations).
  // A plan in which nothing reads or fetches them binds them undefined and allocates
  // nothing; the kernel must then skip writing them (inference does less work).
  int saved_outputs_from = -1;
  // Outputs that are windows of input 0's bytes, at the offsets this rule gives: the
  // planner binds them there (input 0's buffer lives as long as any of them is read) and
  // allocates nothing; when input 0 has no arena buffer they are allocated as usual and
  // the kernel copies (it compares pointers).
  ViewRule output_views;
  Placement placement = Placement::Normal;
  // Talks to other processes (a collective): the executor runs it on the calling thread,
  // in schedule order, never concurrently with the other nodes of its wave, so every
  // process issues its collectives in the same order.
  bool collective = false;

  const Kernel& kernel(DeviceType type) const { return type == DeviceType::CUDA ? cuda : cpu; }
};

// The global op table.
void register_op(OpDef op);
// Attaches a device's kernel to a registered op (backends call this at init).
void register_kernel(const std::string& op, DeviceType device, Kernel kernel);
const OpDef& find_op(const std::string& name);  // throws a Value error for unknown ops
std::vector<std::string> op_names();

}  // namespace dagnet
