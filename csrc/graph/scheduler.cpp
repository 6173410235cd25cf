#include "graph/scheduler.h"

#include <algorithm>

namespace dagnet {

namespace {
// Late nodes go to the latest wave the schedule's length allows (their ALAP wave, from the
// sinks back), their successors after them; then every wave runs its Early nodes first
// and its Late nodes last, node ids deciding within each group. The length is unchanged:
// a node's ALAP wave is never before its ASAP one.
void place_early_and_late(const Graph& graph, const std::vector<std::vector<NodeId>>& successors, Schedule& s) {
  bool any = false;
  for (NodeId n : s.order) any = any || graph.node(n).op->placement != Placement::Normal;
  if (!any) return;
  const int length = static_cast<int>(s.waves.size());
  std::vector<int> alap(s.wave_of.size(), length - 1);
  for (auto it = s.order.rbegin(); it != s.order.rend(); ++it)  // successors settle first
    for (NodeId m : successors[*it]) alap[*it] = std::min(alap[*it], alap[m] - 1);
  std::vector<int> wave(s.wave_of.size(), 0);
  for (NodeId n : s.order) {  // topological: predecessors settle first
    if (graph.node(n).op->placement == Placement::Late) wave[n] = std::max(wave[n], alap[n]);
    for (NodeId m : successors[n]) wave[m] = std::max(wave[m], wave[n] + 1);
  }
  auto rank = [&](NodeId n) {
    const Placement p = graph.node(n).op->placement;
    return p == Placement::Early ? 0 : p == Placement::Normal ? 1 : 2;
  };
  std::vector<std::vector<NodeId>> waves(length);
  for (NodeId n : s.order) waves[wave[n]].push_back(n);
  s.waves.clear();
  s.order.clear();
  for (auto& nodes : waves) {
    if (nodes.empty()) continue;
    std::sort(nodes.begin(), nodes.end(),
              [&](NodeId a, NodeId b) { return rank(a) != rank(b) ? rank(a) < rank(b) : a < b; });
    for (NodeId n : nodes) s.wave_of[n] = static_cast<int>(s.waves.size());
    s.order.insert(s.order.end(), nodes.begin(), nodes.end());
    s.waves.push_back(std::move(nodes));
  }
}
}  // namespace

Schedule make_schedule(const Graph& graph, const std::vector<ValueId>& fetches, const std::vector<NodeId>& effects) {
  const size_t num_nodes = graph.num_nodes();
  std::vector<char> needed(num_nodes, 0);
  std::vector<NodeId> stack;
  auto need_value = [&](ValueId v) {
    NodeId p = graph.value(v).producer;
    if (p >= 0 && !needed[p]) {
      needed[p] = 1;
      stack.push_back(p);
    }
  };
  for (ValueId v : fetches) need_value(v);
  for (NodeId n : effects) {
    graph.node(n);  // validates the id
    if (!needed[n]) {
      needed[n] = 1;
      stack.push_back(n);
    }
  }
  while (!stack.empty()) {
    NodeId n = stack.back();
    stack.pop_back();
    for (ValueId in : graph.node(n).inputs) need_value(in);
  }

  // Edges: data (producer -> consumer) plus control (reader -> in-place writer).
  std::vector<std::vector<NodeId>> successors(num_nodes);
  std::vector<int> pending(num_nodes, 0);
  auto add_edge = [&](NodeId from, NodeId to) {
    successors[from].push_back(to);
    ++pending[to];
  };
  for (size_t n = 0; n < num_nodes; ++n) {
    if (!needed[n]) continue;
    const Node& node = graph.node(static_cast<NodeId>(n));
    for (ValueId in : node.inputs) {
      NodeId p = graph.value(in).producer;
      if (p >= 0) add_edge(p, node.id);
    }
    for (int k : node.op->mutates) {
      if (k >= static_cast<int>(node.inputs.size())) continue;
      ValueId target = node.inputs[k];
      for (NodeId reader : graph.value(target).consumers)
        if (reader != node.id && needed[reader]) {
          // Two writers of one value keep their build order.
          bool reader_writes = false;
          for (int j : graph.node(reader).op->mutates)
            reader_writes =
                reader_writes || (j < (int)graph.node(reader).inputs.size() && graph.node(reader).inputs[j] == target);
          if (!reader_writes || reader < node.id) add_edge(reader, node.id);
        }
    }
  }

  Schedule s;
  s.wave_of.assign(num_nodes, -1);
  std::vector<NodeId> ready;
  for (size_t n = 0; n < num_nodes; ++n)
    if (needed[n] && pending[n] == 0) ready.push_back(static_cast<NodeId>(n));
  while (!ready.empty()) {
    std::sort(ready.begin(), ready.end());
    s.waves.push_back(ready);
    std::vector<NodeId> next;
    for (NodeId n : ready) {
      s.wave_of[n] = static_cast<int>(s.waves.size()) - 1;
      s.order.push_back(n);
      for (NodeId m : successors[n])
        if (--pending[m] == 0) next.push_back(m);
    }
    ready.swap(next);
  }
  size_t scheduled = s.order.size();
  size_t wanted = static_cast<size_t>(std::count(needed.begin(), needed.end(), 1));
  check(scheduled == wanted, ErrorKind::Value, "graph has a cycle: ", wanted - scheduled,
        " nodes could not be ordered");
  place_early_and_late(graph, successors, s);
  return s;
}

}  // namespace dagnet
