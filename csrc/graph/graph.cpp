#include "graph/graph.h"

#include <mutex>

namespace dagnet {

ValueId Graph::add_input(const std::string& name, const Shape& shape, DType dtype) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  check(!name.empty(), ErrorKind::Value, "graph input needs a name");
  for (ValueId id : inputs_)
    check(values_[id].name != name, ErrorKind::Value, "graph already has an input named '", name, "'");
  for (int64_t d : shape)
    check(d >= -1, ErrorKind::Value, "input '", name, "': invalid dimension ", d, " in shape ", shape_text(shape));
  Value v;
  v.id = static_cast<ValueId>(values_.size());
  v.name = name;
  v.spec = {shape, dtype};
  v.kind = ValueKind::Input;
  values_.push_back(std::move(v));
  inputs_.push_back(values_.back().id);
  return values_.back().id;
}

ValueId Graph::add_param(const std::string& name, Tensor data) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  check(data.defined(), ErrorKind::Value, "parameter '", name, "' has no data");
  Value v;
  v.id = static_cast<ValueId>(values_.size());
  v.name = name;
  v.spec = {data.shape(), data.dtype()};
  v.kind = ValueKind::Param;
  v.data = std::move(data);
  values_.push_back(std::move(v));
  return values_.back().id;
}

const Value& Graph::value(ValueId id) const {
  check(id >= 0 && static_cast<size_t>(id) < values_.size(), ErrorKind::Index, "no value with id ", id);
  return values_[id];
}
Value& Graph::value(ValueId id) {
  check(id >= 0 && static_cast<size_t>(id) < values_.size(), ErrorKind::Index, "no value with id ", id);
  return values_[id];
}
const Node& Graph::node(NodeId id) const {
  check(id >= 0 && static_cast<size_t>(id) < nodes_.size(), ErrorKind::Index, "no node with id ", id);
  return nodes_[id];
}

std::string Graph::unique_node_name(const std::string& requested, const std::string& op) {
  std::string base = requested.empty() ? op : requested;
  int& count = name_counts_[base];
  std::string name = count == 0 ? base : base + "_" + std::to_string(count);
  ++count;
  return name;
}

void Graph::validate_attrs(const OpDef& op, const std::string& node_name, Attrs& attrs) const {
  for (const auto& [key, value] : attrs.values()) {
    const AttrSpec* spec = nullptr;
    for (const auto& s : op.attrs)
      if (s.name == key) spec = &s;
    if (!spec) {
      std::string allowed;
      for (const auto& s : op.attrs) allowed += (allowed.empty() ? "" : ", ") + s.name;
      fail(ErrorKind::Value, "node '", node_name, "' (", op.name, "): unknown attribute '", key, "'",
           allowed.empty() ? std::string("; this op takes no attributes") : "; allowed: " + allowed);
    }
    bool ok = (spec->type == AttrType::Int && std::holds_alternative<int64_t>(value)) ||
              (spec->type == AttrType::Float &&
               (std::holds_alternative<double>(value) || std::holds_alternative<int64_t>(value))) ||
              (spec->type == AttrType::String && std::holds_alternative<std::string>(value)) ||
              (spec->type == AttrType::IntList && std::holds_alternative<std::vector<int64_t>>(value));
    check(ok, ErrorKind::Type, "node '", node_name, "' (", op.name, "): attribute '", key, "' must be ",
          attr_type_name(spec->type));
  }
}

std::vector<TensorSpec> infer_node(const Node& node, const std::vector<TensorSpec>& inputs) {
  InferContext ctx(*node.op, node.name, inputs, node.attrs);
  return node.op->infer(ctx);
}

std::vector<ValueId> Graph::add_node(const std::string& op_name, const std::vector<ValueId>& inputs, const Attrs& attrs,
                                     const std::string& name) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  const OpDef& op = find_op(op_name);
  Node node;
  node.op = &op;
  node.name = unique_node_name(name, op.name);
  int n = static_cast<int>(inputs.size());
  check(n >= op.min_inputs && (op.max_inputs < 0 || n <= op.max_inputs), ErrorKind::Value, "node '", node.name, "' (",
        op.name, "): expects ",
        op.max_inputs < 0                ? cat("at least ", op.min_inputs)
        : op.min_inputs == op.max_inputs ? cat(op.min_inputs)
                                         : cat(op.min_inputs, " to ", op.max_inputs),
        " inputs, got ", n);
  std::vector<TensorSpec> specs;
  for (ValueId id : inputs) {
    check(id >= 0 && static_cast<size_t>(id) < values_.size(), ErrorKind::Index, "node '", node.name, "' (", op.name,
          "): input value id ", id, " does not exist");
    specs.push_back(values_[id].spec);
  }
  node.attrs = attrs;
  validate_attrs(op, node.name, node.attrs);
  std::vector<TensorSpec> outs = infer_node(node, specs);

  node.id = static_cast<NodeId>(nodes_.size());
  node.inputs = inputs;
  for (size_t i = 0; i < outs.size(); ++i) {
    Value v;
    v.id = static_cast<ValueId>(values_.size());
    v.name = outs.size() == 1 ? node.name : cat(node.name, ":", i);
    v.spec = outs[i];
    v.producer = node.id;
    v.output_index = static_cast<int>(i);
    values_.push_back(std::move(v));
    node.outputs.push_back(values_.back().id);
  }
  for (ValueId id : inputs) values_[id].consumers.push_back(node.id);
  nodes_.push_back(std::move(node));
  return nodes_.back().outputs;
}

}  // namespace dagnet
