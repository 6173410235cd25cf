// The native program file: graphs with their weights and roles, written by
// model.export_native() and read by the dagnet-bench runner without Python.
// Layout (little-endian): "DAGNETP3", u32 program count, then per program: the values
// (kind, name, dtype, shape; a parameter's bytes), the nodes (op, name, input ids,
// output count, attributes), fetches, loss id (-1: none), trained parameters, the
// optimizer config (its kind, then every field of optimizer_fields() by name) and the
// weight constraints (parameter index, constrain-op attributes), then the state-update
// node ids. Nodes without outputs (state updates) are replayed in node order. Reading replays
// everything through Graph::add_* so every shape rule and attribute check runs again; a
// truncated or inconsistent file, or an optimizer field this build does not know, is an
// error. The reader trusts no count or size in the file: each is checked against the
// bytes that are left before anything is allocated (tests/fuzz fuzzes both readers).
#pragma once
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/training.h"

namespace dagnet {

struct Program {
  std::string name;  // "predict", "train"
  std::shared_ptr<Graph> graph;
  std::vector<ValueId> fetches;
  ValueId loss = kNoValue;
  std::vector<ValueId> params;
  OptimizerConfig optimizer;
  std::vector<ParamConstraint> constraints;  // applied after params' updates, as the Trainer takes them
  std::vector<NodeId> state_updates;         // nodes run as effects (Trainer state_updates / Executor effects)
};

void write_programs(const std::string& path, const std::vector<Program>& programs);
std::vector<Program> read_programs(const std::string& path);
// The same from a stream of `size` bytes; `name` names it in errors.
std::vector<Program> read_programs(std::istream& in, uint64_t size, const std::string& name);

// Plain tensor files (inputs / outputs of a native run): "DAGNETT1", u32 count, then per
// tensor dtype, shape and bytes.
void write_tensors(const std::string& path, const std::vector<Tensor>& tensors);
std::vector<Tensor> read_tensors(const std::string& path);
std::vector<Tensor> read_tensors(std::istream& in, uint64_t size, const std::string& name);

}  // namespace dagnet
