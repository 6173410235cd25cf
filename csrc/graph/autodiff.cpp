#include "graph/autodiff.h"

#include <map>

namespace dagnet {

ValueId GradBuilder::emit(const std::string& op, const std::vector<ValueId>& inputs, const Attrs& attrs) {
  auto outs = emit_multi(op, inputs, attrs);
  check(outs.size() == 1, ErrorKind::Runtime, "GradBuilder::emit: op ", op, " has ", outs.size(), " outputs");
  return outs[0];
}

std::vector<ValueId> GradBuilder::emit_multi(const std::string& op, const std::vector<ValueId>& inputs,
                                             const Attrs& attrs) {
  return graph_.add_node(op, inputs, attrs, prefix_ + "/" + op);
}

namespace {
ValueId sum_contributions(Graph& graph, const std::vector<ValueId>& parts, const std::string& name) {
  if (parts.empty()) return kNoValue;
  if (parts.size() == 1) return parts[0];
  return graph.add_node("add", parts, {}, name)[0];
}
}  // namespace

std::vector<ValueId> add_gradients(Graph& graph, ValueId loss, const std::vector<ValueId>& wrt) {
  const Value& loss_value = graph.value(loss);
  check(loss_value.spec.shape.empty(), ErrorKind::Value, "gradients: the loss '", loss_value.name,
        "' must be a scalar, got shape ", shape_text(loss_value.spec.shape));
  check(is_floating(loss_value.spec.dtype), ErrorKind::Type, "gradients: the loss must be a float value");

  const size_t num_nodes = graph.num_nodes();  // backward nodes appended below are not revisited
  std::vector<char> depends_on_wrt(graph.num_values(), 0);
  for (ValueId id : wrt) depends_on_wrt[graph.value(id).id] = 1;
  for (size_t n = 0; n < num_nodes; ++n) {
    const Node& node = graph.node(static_cast<NodeId>(n));
    bool any = false;
    for (ValueId in : node.inputs) any = any || depends_on_wrt[in];
    if (any)
      for (ValueId out : node.outputs) depends_on_wrt[out] = 1;
  }

  std::map<ValueId, std::vector<ValueId>> contributions;
  contributions[loss].push_back(graph.add_node(
      "fill_like", {loss},
      [] {
        Attrs a;
        a.set("value", 1.0);
        return a;
      }(),
      "grad/seed")[0]);

  for (size_t n = num_nodes; n-- > 0;) {
    // Copy: adding nodes may reallocate the graph's node storage.
    const Node node = graph.node(static_cast<NodeId>(n));
    std::vector<ValueId> output_grads;
    bool any_grad = false;
    for (ValueId out : node.outputs) {
      auto it = contributions.find(out);
      ValueId g = it == contributions.end()
                      ? kNoValue
                      : sum_contributions(graph, it->second, "grad/" + graph.value(out).name + "/sum");
      any_grad = any_grad || g != kNoValue;
      output_grads.push_back(g);
    }
    if (!any_grad || !node.op->backward) continue;
    bool any_input_needs = false;
    for (ValueId in : node.inputs) any_input_needs = any_input_needs || depends_on_wrt[in];
    if (!any_input_needs) continue;
    // Rules may assume every output has a gradient; missing ones are zeros.
    for (size_t i = 0; i < output_grads.size(); ++i) {
      if (output_grads[i] != kNoValue) continue;
      Attrs zero;
      zero.set("value", 0.0);
      output_grads[i] = graph.add_node("fill_like", {node.outputs[i]}, zero, "grad/" + node.name + "/zero")[0];
    }
    GradBuilder builder(graph, "grad/" + node.name);
    std::vector<ValueId> input_grads = node.op->backward(builder, node, output_grads);
    check(input_grads.size() == node.inputs.size(), ErrorKind::Runtime, "backward rule of ", node.op->name,
          " returned ", input_grads.size(), " gradients for ", node.inputs.size(), " inputs");
    for (size_t i = 0; i < input_grads.size(); ++i) {
      ValueId in = node.inputs[i];
      if (input_grads[i] == kNoValue || !depends_on_wrt[in]) continue;
      const TensorSpec& want = graph.value(in).spec;
      const TensorSpec& got = graph.value(input_grads[i]).spec;
      check(want.shape.size() == got.shape.size() && want.dtype == got.dtype, ErrorKind::Runtime, "backward rule of ",
            node.op->name, " gave input ", i, " a gradient of shape ", shape_text(got.shape), " for a value of shape ",
            shape_text(want.shape));
      contributions[in].push_back(input_grads[i]);
    }
  }

  std::vector<ValueId> grads;
  for (ValueId id : wrt) {
    ValueId g = sum_contributions(graph, contributions[id], "grad/" + graph.value(id).name + "/sum");
    if (g == kNoValue) {
      Attrs zero;
      zero.set("value", 0.0);
      g = graph.add_node("fill_like", {id}, zero, "grad/" + graph.value(id).name + "/zero")[0];
    }
    grads.push_back(g);
  }
  return grads;
}

}  // namespace dagnet
