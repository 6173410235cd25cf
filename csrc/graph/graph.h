// The native graph IR: values (shape, dtype) and nodes (op, attributes, inputs,
// outputs). Nodes are appended after their inputs exist, so node order is a valid
// topological order. A parameter is a value bound to a tensor the graph holds by
// reference: a layer used twice is one parameter read by two nodes.
// Values and nodes never move once added (deques), so executors may keep pointers to
// them while the graph grows (a Trainer adding its backward pass to a graph that a
// predict Executor already runs); adding takes the graph's lock exclusively and a run
// holds it shared, so nodes are never added while an executor reads the graph.
#pragma once
#include <deque>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/op.h"

namespace dagnet {

enum class ValueKind { Input, Param, Intermediate };

struct Value {
  ValueId id = kNoValue;
  std::string name;
  TensorSpec spec;
  ValueKind kind = ValueKind::Intermediate;
  Tensor data;              // Param only: the bound tensor
  NodeId producer = -1;     // Intermediate only
  int output_index = 0;
  std::vector<NodeId> consumers;
};

struct Node {
  NodeId id = -1;
  const OpDef* op = nullptr;
  std::string name;
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  Attrs attrs;
};

class Graph {
 public:
  // A named input fed at run time; dims may be -1 (unknown until run time).
  ValueId add_input(const std::string& name, const Shape& shape, DType dtype);
  // A parameter bound to `data` (shared, not copied: writes to it are seen by runs).
  ValueId add_param(const std::string& name, Tensor data);
  // Appends a node, validating arity, attributes and shapes; returns its outputs.
  std::vector<ValueId> add_node(const std::string& op, const std::vector<ValueId>& inputs, const Attrs& attrs,
                                const std::string& name = "");

  const Value& value(ValueId id) const;
  Value& value(ValueId id);
  const Node& node(NodeId id) const;
  size_t num_values() const { return values_.size(); }
  size_t num_nodes() const { return nodes_.size(); }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  // Held shared by a running executor, exclusively while adding to the graph.
  std::shared_mutex& mutex() const { return mutex_; }

 private:
  std::string unique_node_name(const std::string& requested, const std::string& op);
  void validate_attrs(const OpDef& op, const std::string& node_name, Attrs& attrs) const;

  std::deque<Value> values_;
  std::deque<Node> nodes_;
  mutable std::shared_mutex mutex_;
  std::vector<ValueId> inputs_;
  std::unordered_map<std::string, int> name_counts_;
};

// Runs `node`'s shape rule on the given input specs (used at build and plan time).
std::vector<TensorSpec> infer_node(const Node& node, const std::vector<TensorSpec>& inputs);

}  // namespace dagnet
