// Reverse-mode autodiff over the graph IR. Each op's backward rule adds ordinary
// nodes through a GradBuilder; a value read by several nodes receives the sum of
// their gradient contributions.
#pragma once
#include <string>
#include <vector>

#include "graph/graph.h"

namespace dagnet {

class GradBuilder {
 public:
  GradBuilder(Graph& graph, std::string name_prefix) : graph_(graph), prefix_(std::move(name_prefix)) {}
  // Adds a single-output node and returns its output.
  ValueId emit(const std::string& op, const std::vector<ValueId>& inputs, const Attrs& attrs = {});
  std::vector<ValueId> emit_multi(const std::string& op, const std::vector<ValueId>& inputs, const Attrs& attrs = {});
  const TensorSpec& spec(ValueId id) const { return graph_.value(id).spec; }
  Graph& graph() { return graph_; }

 private:
  Graph& graph_;
  std::string prefix_;
};

// Adds nodes computing d(loss)/d(wrt[i]); `loss` must be a scalar float value.
// A value in `wrt` that the loss does not depend on gets a zero gradient.
std::vector<ValueId> add_gradients(Graph& graph, ValueId loss, const std::vector<ValueId>& wrt);

}  // namespace dagnet
