// Picks the nodes a run needs and orders them in waves: a node's inputs are all
// produced in earlier waves, so the nodes of one wave are independent and may run at
// once. A node that writes a value in place (an optimizer update) is ordered after
// every other reader of that value.
#pragma once
#include <vector>

#include "graph/graph.h"

namespace dagnet {

struct Schedule {
  std::vector<NodeId> order;                // topological, wave by wave
  std::vector<std::vector<NodeId>> waves;
  std::vector<int> wave_of;                 // per node id; -1 if not scheduled
};

Schedule make_schedule(const Graph& graph, const std::vector<ValueId>& fetches, const std::vector<NodeId>& effects);

}  // namespace dagnet
