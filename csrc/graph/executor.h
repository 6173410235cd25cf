// Runs a scheduled subgraph on one device. Construction picks the nodes and their order
// once; the first run for each signature of input shapes makes a plan (concrete shapes,
// arena offsets, each step's kernel, prepared attributes and bound tensors) that later
// runs with those shapes reuse, so a steady-state run allocates nothing but the fetched
// results. All plans of an executor share one arena, grown to the largest plan seen; the
// plan cache is bounded (least recently used plans are dropped). A plan's steps never
// change between runs: feeds and fetches reach them through fixed slots (a slot is bound
// to the caller's array, or on a device, staged through a fixed device buffer), which is
// what lets a device plan be captured once and replayed.
#pragma once
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/scheduler.h"

namespace dagnet {

struct ExecutorOptions {
  bool reuse_memory = true;       // share arena bytes between buffers with disjoint lifetimes
  bool parallel_branches = true;  // run the independent nodes of a wave concurrently
  Device device = cpu_device();   // where the kernels run and the arena lives
  size_t max_cached_plans = 32;   // input-shape signatures kept planned (>= 1)
  // On a device that can record work (CUDA): a plan's second run is captured as one graph
  // that later runs replay. DAGNET_CUDA_GRAPHS=0 in the environment turns it off (debugging).
  bool capture_graphs = true;
};

struct PlanStats {
  size_t arena_bytes = 0;  // bytes of the arena this plan needs (intermediates and scratch)
  size_t naive_bytes = 0;  // bytes without any reuse
  int buffers = 0;         // planned buffers
  int inplace = 0;         // outputs that took over their input's buffer
  int waves = 0;
  int nodes = 0;
  int concurrent_waves = 0;  // waves whose nodes run at once, one thread each
};

// One wave of a plan as it runs (collectives, which run apart, left out): its nodes in
// the order they start, their costs (graph/node_cost.h), and whether they run at once.
struct WavePlan {
  std::vector<NodeId> nodes;
  std::vector<double> costs;
  bool concurrent = false;
};

// Op-level profiling for every executor in the process (off by default: one relaxed
// atomic load per node when off). take_op_profile returns totals since the last call,
// slowest op first, and clears them.
struct OpProfile {
  std::string op;
  int64_t calls = 0;
  double seconds = 0;
};
void set_op_profiling(bool on);
std::vector<OpProfile> take_op_profile();

class Executor {
 public:
  // `fetches` are returned by run(); `effects` are nodes run for their side effects
  // (optimizer updates). Every input the fetches and effects depend on must be fed.
  Executor(std::shared_ptr<Graph> graph, std::vector<ValueId> fetches, std::vector<NodeId> effects = {},
           ExecutorOptions options = {});
  ~Executor();

  // The graph inputs run() expects, in the order it expects them.
  const std::vector<ValueId>& required_inputs() const { return required_inputs_; }
  const std::vector<ValueId>& fetches() const { return fetches_; }
  const Schedule& schedule() const { return schedule_; }
  const Graph& graph() const { return *graph_; }
  Device device() const { return options_.device; }

  // One call: runs every scheduled node and returns the fetched values (fresh host tensors).
  std::vector<Tensor> run(const std::vector<Tensor>& feeds);
  // Several runs in one call, in order (feeds_per_run[i] feeds run i); returns each run's
  // fetches. Stops at the first error, after the runs before it took effect.
  std::vector<std::vector<Tensor>> run_many(const std::vector<std::vector<Tensor>>& feeds_per_run);

  // The plan for these input shapes (made if needed), for inspection and tests.
  PlanStats plan_stats(const std::vector<Shape>& input_shapes);
  std::vector<WavePlan> wave_plan(const std::vector<Shape>& input_shapes);
  size_t cached_plans() const;
  // Bytes of the arena all plans share (the largest plan's need so far).
  size_t arena_bytes() const;
  // Whether plans of this executor are captured and replayed (see capture_graphs).
  bool captures() const { return options_.capture_graphs; }
  // Runs that replayed a captured plan, over this executor's life (for tests).
  int64_t replays() const;

 private:
  struct Plan;
  Plan& plan_for(const std::vector<Shape>& input_shapes);
  std::unique_ptr<Plan> make_plan(const std::vector<Shape>& input_shapes);
  void reserve_arena(size_t bytes);
  void check_feeds(const std::vector<Tensor>& feeds) const;
  std::vector<Tensor> run_locked(const std::vector<Tensor>& feeds);
  void run_steps(Plan& plan);
  void launch_steps(Plan& plan);
  void stage_feeds(Plan& plan, const std::vector<Tensor>& feeds);
  [[noreturn]] void raise_device_error(const Plan& plan, const DeviceError& error) const;

  std::shared_ptr<Graph> graph_;
  std::vector<ValueId> fetches_;
  std::vector<NodeId> effects_;
  ExecutorOptions options_;
  Schedule schedule_;
  std::vector<ValueId> required_inputs_;
  std::unique_ptr<DeviceContext> context_;
  std::shared_ptr<Storage> arena_;  // a slot, re-pointed when a larger plan arrives
  // Least recently used last.
  std::list<std::pair<std::vector<Shape>, std::unique_ptr<Plan>>> plans_;
  std::map<std::vector<Shape>, decltype(plans_)::iterator> plan_index_;
  mutable std::mutex run_mutex_;
  int64_t replays_ = 0;
};

}  // namespace dagnet
