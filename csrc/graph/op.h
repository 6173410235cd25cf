// An op is one table entry: its attributes, its shape rule, its kernels and its
// backward rule. The backward rule adds ordinary nodes to the graph, so the backward
// pass is itself a graph the planner and scheduler see. Graph construction never runs
// kernels; kernels never build graphs.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

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

// What a kernel sees: concrete tensors (inputs, outputs already allocated) and scratch.
struct KernelContext {
  const Node& node;
  const std::vector<Tensor>& inputs;
  const std::vector<Tensor>& outputs;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  const Attrs& attrs() const;
};

using ShapeRule = std::function<std::vector<TensorSpec>(const InferContext&)>;
using CpuKernel = std::function<void(const KernelContext&)>;
// Returns one gradient value per input (kNoValue where none flows).
using BackwardRule =
    std::function<std::vector<ValueId>(GradBuilder&, const Node&, const std::vector<ValueId>& output_grads)>;
using WorkspaceRule = std::function<size_t(const std::vector<TensorSpec>& inputs,
                                           const std::vector<TensorSpec>& outputs, const Attrs& attrs)>;

struct OpDef {
  std::string name;
  int min_inputs = 1;
  int max_inputs = 1;  // -1: any number
  std::vector<AttrSpec> attrs;
  ShapeRule infer;
  CpuKernel cpu;
  BackwardRule backward;   // empty: no gradient flows through this op
  int inplace_input = -1;  // output 0 may reuse this input's buffer
  std::vector<int> mutates;  // inputs this op writes in place (optimizer state, params)
  WorkspaceRule workspace;   // scratch bytes the kernel needs, if any
  // Inputs at and after this index are read for their shapes only (known from the
  // plan), so the planner does not keep their bytes alive for this node.
  int shape_only_from = -1;
  // Outputs at and after this index exist only for the backward pass (saved activations).
  // A plan in which nothing reads or fetches them binds them undefined and allocates
  // nothing; the kernel must then skip writing them (inference does less work).
  int saved_outputs_from = -1;
};

// The global op table.
void register_op(OpDef op);
const OpDef& find_op(const std::string& name);  // throws a Value error for unknown ops
std::vector<std::string> op_names();

}  // namespace dagnet
