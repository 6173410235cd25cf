#include "graph/executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <shared_mutex>

#include "core/thread_pool.h"
#include "graph/arena_layout.h"
#include "graph/node_cost.h"

namespace dagnet {

namespace {
std::atomic<bool> g_profiling{false};
std::mutex g_profile_mutex;
std::map<std::string, OpProfile>& profile_table() {
  static std::map<std::string, OpProfile> table;
  return table;
}

void run_profiled(const Kernel& kernel, const KernelContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  kernel(ctx);
  if (ctx.device->stream) ctx.device->synchronize();  // device kernels are asynchronous
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::lock_guard<std::mutex> lock(g_profile_mutex);
  OpProfile& p = profile_table()[ctx.node.op->name];
  p.op = ctx.node.op->name;
  ++p.calls;
  p.seconds += seconds;
}

bool is_shape_only(const Node& node, size_t input_index) {
  return node.op->shape_only_from >= 0 && static_cast<int>(input_index) >= node.op->shape_only_from;
}

size_t bytes_of(const TensorSpec& spec) {
  return static_cast<size_t>(num_elements(spec.shape)) * dtype_size(spec.dtype);
}
// How many nodes of a concurrent wave of `nodes` can run at once: one per thread.
int concurrent_lanes(size_t nodes) {
  return static_cast<int>(std::min<size_t>(nodes, static_cast<size_t>(thread_pool().size())));
}

}  // namespace

struct Executor::Plan {
  struct Step {
    const Node* node;
    const Kernel* kernel;
    std::vector<Tensor> inputs;
    std::vector<Tensor> outputs;
    size_t workspace_offset = 0;  // in the shared arena
    size_t workspace_bytes = 0;
    std::shared_ptr<const void> prepared;
    double cost = 0;
  };
  struct Wave {
    std::vector<int> before;  // collectives placed first: run in order before the rest
    std::vector<int> steps;
    std::vector<int> after;  // collectives placed last
    bool parallel = false;
    // A concurrent wave's scratch: one block per thread that runs it (its lane), as big as
    // the wave's largest node needs; each node uses the block of the lane that takes it.
    std::vector<size_t> lane_offsets;
  };
  std::vector<TensorSpec> specs;  // per value id
  std::vector<Step> steps;
  std::vector<Wave> waves;
  // Per required input / per fetch: the slot its readers and writers view (null when no
  // step reads the feed or the fetch is not computed by a step), and a view of the
  // whole slot. On the CPU a slot is bound to the caller's array for the run; on a device
  // it is a fixed buffer the feed is copied into (or the result copied out of).
  std::vector<std::shared_ptr<Storage>> feed_slots, fetch_slots;
  std::vector<Tensor> feed_views, fetch_views;
  bool staged = false;  // device plan: slots are fixed device buffers
  PlanStats stats;
  // Capture (devices that record work): the first run is direct (lazy library set-up
  // happens there), the second is recorded and every later one replays the record.
  int64_t runs = 0;
  bool capturable = false;  // no collective steps, and capture is on
  std::unique_ptr<CapturedWork> captured;
};

namespace {
bool graphs_disabled_by_env() {
  const char* env = std::getenv("DAGNET_CUDA_GRAPHS");
  return env != nullptr && std::string(env) == "0";
}

// Allocation while planning: out of memory names the plan's needs, not just the block.
template <typename Fn>
void allocating(const char* what, size_t plan_bytes, Device device, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Memory) throw;
    fail(ErrorKind::Memory, "planning a run on ", device.str(), " needs ", plan_bytes, " bytes (", what,
         "), which the device cannot provide: ", e.what());
  }
}
}  // namespace

Executor::Executor(std::shared_ptr<Graph> graph, std::vector<ValueId> fetches, std::vector<NodeId> effects,
                   ExecutorOptions options)
    : graph_(std::move(graph)), fetches_(std::move(fetches)), effects_(std::move(effects)), options_(options) {
  check(graph_ != nullptr, ErrorKind::Value, "Executor needs a graph");
  check(options_.max_cached_plans >= 1, ErrorKind::Value, "max_cached_plans must be >= 1");
  if (graphs_disabled_by_env()) options_.capture_graphs = false;
  context_ = backend_for(options_.device).make_context(options_.device.index);
  arena_ = Storage::slot(0, options_.device);
  std::shared_lock<std::shared_mutex> lock(graph_->mutex());
  for (ValueId v : fetches_) graph_->value(v);  // validates ids
  schedule_ = make_schedule(*graph_, fetches_, effects_);
  std::vector<char> used(graph_->num_values(), 0);
  for (NodeId n : schedule_.order)
    for (ValueId in : graph_->node(n).inputs) used[in] = 1;
  for (ValueId v : fetches_) used[v] = 1;
  for (ValueId in : graph_->inputs())
    if (used[in]) required_inputs_.push_back(in);
}

Executor::~Executor() {
  plan_index_.clear();
  plans_.clear();  // views of the arena go before the arena's bytes
  arena_->rebind(nullptr, 0);
}

void Executor::check_feeds(const std::vector<Tensor>& feeds) const {
  check(feeds.size() == required_inputs_.size(), ErrorKind::Value, "expected ", required_inputs_.size(),
        " input(s), got ", feeds.size());
  for (size_t i = 0; i < feeds.size(); ++i) {
    const Value& in = graph_->value(required_inputs_[i]);
    const Tensor& t = feeds[i];
    check(t.defined(), ErrorKind::Value, "input '", in.name, "' was not given");
    check(t.device().type == DeviceType::CPU || t.device() == options_.device, ErrorKind::Value, "input '", in.name,
          "' is on ", t.device().str(), ", expected cpu or ", options_.device.str());
    check(t.dtype() == in.spec.dtype, ErrorKind::Type, "input '", in.name, "' expects dtype ",
          dtype_name(in.spec.dtype), ", got ", dtype_name(t.dtype()));
    bool ok = t.rank() == in.spec.shape.size();
    for (size_t d = 0; ok && d < t.rank(); ++d) ok = dims_compatible(in.spec.shape[d], t.shape()[d]);
    check(ok, ErrorKind::Value, "input '", in.name, "' expects shape ", shape_text(in.spec.shape), ", got ",
          shape_text(t.shape()));
  }
}

void Executor::reserve_arena(size_t bytes) {
  if (bytes <= arena_->bytes()) return;
  // Recorded work points into the old block: it is recorded again on a later run.
  for (auto& entry : plans_) {
    entry.second->captured.reset();
    entry.second->runs = 0;
  }
  // Free the old block first: the peak is the new size, not old + new. Every plan's views
  // follow the slot to the new block.
  const size_t old_bytes = arena_->bytes();
  arena_->rebind(nullptr, 0);
  Allocator& allocator = options_.device.type == DeviceType::CPU
                             ? cpu_allocator()
                             : backend_for(options_.device).allocator(options_.device.index);
  auto bind = [&](size_t n) {
    void* data = allocator.allocate(n);
    arena_->rebind(data, n, [&allocator, data, n] { allocator.deallocate(data, n); });
  };
  try {
    bind(bytes);
  } catch (const Error&) {
    if (old_bytes) bind(old_bytes);  // the plans made so far keep a block to run in
    throw;
  }
}

std::unique_ptr<Executor::Plan> Executor::make_plan(const std::vector<Shape>& input_shapes) {
  const Graph& g = *graph_;
  const Device device = options_.device;
  auto plan = std::make_unique<Plan>();
  plan->staged = device.type != DeviceType::CPU;
  const size_t num_values = g.num_values();

  // 1. Concrete shapes for every scheduled value.
  plan->specs.resize(num_values);
  for (size_t v = 0; v < num_values; ++v) plan->specs[v] = g.value(static_cast<ValueId>(v)).spec;
  for (size_t i = 0; i < required_inputs_.size(); ++i) plan->specs[required_inputs_[i]].shape = input_shapes[i];
  for (NodeId n : schedule_.order) {
    const Node& node = g.node(n);
    std::vector<TensorSpec> in_specs;
    for (ValueId in : node.inputs) in_specs.push_back(plan->specs[in]);
    std::vector<TensorSpec> outs = infer_node(node, in_specs);
    for (size_t k = 0; k < outs.size(); ++k) {
      check(is_fully_known(outs[k].shape), ErrorKind::Value, "node '", node.name, "' (", node.op->name,
            "): output shape ", shape_text(outs[k].shape), " is still unknown with the given inputs");
      plan->specs[node.outputs[k]] = outs[k];
    }
  }

  // 2. The order nodes run in: each wave's nodes either concurrently (one thread each,
  // largest first) or one after another with all threads. Running a wave's nodes at once
  // makes each one single-threaded, which pays only when no single node dominates the
  // wave's work (graph/node_cost.h). Collectives run in schedule order on this thread,
  // before or after the rest of their wave.
  const bool can_parallel = options_.parallel_branches && device.type == DeviceType::CPU && thread_pool().size() > 1;
  std::vector<double> cost_of(g.num_nodes(), 0);
  for (NodeId n : schedule_.order) {
    const Node& node = g.node(n);
    std::vector<TensorSpec> in_specs, out_specs;
    for (ValueId in : node.inputs) in_specs.push_back(plan->specs[in]);
    for (ValueId out : node.outputs) out_specs.push_back(plan->specs[out]);
    cost_of[n] = node_cost(node, in_specs, out_specs);
  }
  struct WaveOrder {
    std::vector<NodeId> before, nodes, after;
    bool parallel = false;
  };
  std::vector<WaveOrder> wave_orders;
  for (const auto& wave_nodes : schedule_.waves) {
    WaveOrder wave;
    std::vector<double> costs;
    for (NodeId n : wave_nodes) {
      const OpDef& op = *g.node(n).op;
      if (op.collective) {
        (op.placement == Placement::Late ? wave.after : wave.before).push_back(n);
        continue;
      }
      wave.nodes.push_back(n);
      costs.push_back(cost_of[n]);
    }
    wave.parallel = can_parallel && run_wave_concurrently(costs);
    if (wave.parallel) {
      const std::vector<NodeId> in_schedule_order = wave.nodes;
      const std::vector<int> order = largest_first(costs);
      for (size_t i = 0; i < order.size(); ++i) wave.nodes[i] = in_schedule_order[order[i]];
    }
    wave_orders.push_back(std::move(wave));
  }
  // Each node's time slot in that order: the nodes of a concurrent wave share one (any may
  // overlap any other); every other node has its own, so the buffers of nodes that run
  // one after another may share bytes even within a wave (a scratch block with the next
  // node's output). In-order devices (a CUDA stream) keep this order too.
  std::vector<int> slot_of(g.num_nodes(), 0);
  int slot = 0;
  for (const WaveOrder& wave : wave_orders) {
    for (NodeId n : wave.before) slot_of[n] = slot++;
    for (NodeId n : wave.nodes) slot_of[n] = wave.parallel ? slot : slot++;
    if (wave.parallel && !wave.nodes.empty()) ++slot;
    for (NodeId n : wave.after) slot_of[n] = slot++;
  }

  // 3. Buffers and lifetimes (in time slots). Fetched values live in per-run slots, so the
  // caller owns them; everything else lives in the shared arena.
  std::vector<char> fetched(num_values, 0);
  for (ValueId v : fetches_) fetched[v] = 1;
  std::vector<int> readers(num_values, 0), any_use(num_values, 0);
  for (NodeId n : schedule_.order) {
    const Node& node = g.node(n);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (!is_shape_only(node, i)) ++readers[node.inputs[i]];
      ++any_use[node.inputs[i]];
    }
  }
  std::vector<BufferRequest> requests;
  std::vector<int> buffer_of(num_values, -1);
  std::vector<size_t> sub_offset(num_values, 0);  // a view's start within its buffer
  std::vector<int> workspace_buffer(g.num_nodes(), -1);
  std::vector<size_t> workspace_bytes_of(g.num_nodes(), 0), lane_bytes(wave_orders.size(), 0);
  for (NodeId n : schedule_.order) {
    const Node& node = g.node(n);
    const int when = slot_of[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      int b = is_shape_only(node, i) ? -1 : buffer_of[node.inputs[i]];
      if (b >= 0) requests[b].last = std::max(requests[b].last, when);
    }
    std::vector<size_t> views;
    if (node.op->output_views && buffer_of[node.inputs[0]] >= 0) {
      std::vector<TensorSpec> in_specs, out_specs;
      for (ValueId in : node.inputs) in_specs.push_back(plan->specs[in]);
      for (ValueId out : node.outputs) out_specs.push_back(plan->specs[out]);
      views = node.op->output_views(in_specs, out_specs, node.attrs);
      check(views.size() == node.outputs.size(), ErrorKind::Value, "node '", node.name, "': ", views.size(),
            " view offsets for ", node.outputs.size(), " outputs");
      for (size_t k = 0; k < views.size(); ++k)
        check(views[k] + bytes_of(plan->specs[node.outputs[k]]) <= bytes_of(plan->specs[node.inputs[0]]),
              ErrorKind::Value, "node '", node.name, "': output ", k, " is not inside input 0");
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      ValueId out = node.outputs[k];
      if (fetched[out]) continue;
      if (!views.empty()) {
        buffer_of[out] = buffer_of[node.inputs[0]];
        sub_offset[out] = sub_offset[node.inputs[0]] + views[k];
        continue;
      }
      const int saved_from = node.op->saved_outputs_from;
      if (saved_from >= 0 && static_cast<int>(k) >= saved_from && any_use[out] == 0) continue;  // left undefined
      if (k == 0 && node.op->inplace_input >= 0 && options_.reuse_memory) {
        ValueId in = node.inputs[node.op->inplace_input];
        int b = buffer_of[in];
        if (b >= 0 && readers[in] == 1 && bytes_of(plan->specs[in]) == bytes_of(plan->specs[out])) {
          buffer_of[out] = b;
          sub_offset[out] = sub_offset[in];
          ++plan->stats.inplace;
          continue;
        }
      }
      buffer_of[out] = static_cast<int>(requests.size());
      requests.push_back({bytes_of(plan->specs[out]), when, when});
    }
    const WorkspaceRule& workspace_rule =
        device.type == DeviceType::CPU && node.op->cpu_workspace ? node.op->cpu_workspace : node.op->workspace;
    if (workspace_rule) {
      std::vector<TensorSpec> in_specs, out_specs;
      for (ValueId in : node.inputs) in_specs.push_back(plan->specs[in]);
      for (ValueId out : node.outputs) out_specs.push_back(plan->specs[out]);
      size_t bytes = workspace_rule(in_specs, out_specs, node.attrs);
      workspace_bytes_of[n] = bytes;
    }
  }
  // At most one node per thread runs at a time in a concurrent wave, so its nodes' scratch
  // needs one block per thread, not one per node (dual_inception's backward wave: 2 x 7.8
  // MB instead of 24.5 MB).
  std::vector<int> first_lane(wave_orders.size(), -1);
  for (size_t w = 0; w < wave_orders.size(); ++w) {
    const WaveOrder& wave = wave_orders[w];
    size_t largest = 0, total = 0;
    for (NodeId n : wave.nodes) {
      largest = std::max(largest, workspace_bytes_of[n]);
      total += workspace_bytes_of[n];
    }
    // Lanes, where one block per thread is smaller than one per node (not when a single
    // node has scratch): any node may land in any lane, so each lane is the largest block.
    if (wave.parallel && largest * concurrent_lanes(wave.nodes.size()) < total) lane_bytes[w] = largest;
    for (const auto* part : {&wave.before, &wave.nodes, &wave.after})
      for (NodeId n : *part)
        if (workspace_bytes_of[n] > 0 && !(lane_bytes[w] && part == &wave.nodes)) {
          workspace_buffer[n] = static_cast<int>(requests.size());
          requests.push_back({workspace_bytes_of[n], slot_of[n], slot_of[n]});
        }
    if (!lane_bytes[w]) continue;
    first_lane[w] = static_cast<int>(requests.size());
    const int when = slot_of[wave_orders[w].nodes.front()];
    for (int lane = 0; lane < concurrent_lanes(wave_orders[w].nodes.size()); ++lane)
      requests.push_back({lane_bytes[w], when, when});
  }
  const size_t alignment = device.type == DeviceType::CPU ? kCpuAlignment : kCudaAlignment;
  ArenaLayout memory = layout_arena(requests, options_.reuse_memory, alignment);
  allocating("arena for intermediates and scratch", memory.arena_bytes, device,
             [&] { reserve_arena(memory.arena_bytes); });
  plan->stats.arena_bytes = memory.arena_bytes;
  plan->stats.naive_bytes = memory.naive_bytes;
  plan->stats.buffers = static_cast<int>(requests.size());

  // 4. Slots for feeds and computed fetches, then every step's bound tensors.
  std::vector<Tensor> bound(num_values);
  auto make_slot = [&](ValueId v, std::shared_ptr<Storage>& slot, Tensor& whole) {
    const TensorSpec& spec = plan->specs[v];
    if (plan->staged) {
      allocating("a feed or fetch slot", bytes_of(spec), device,
                 [&] { slot = Storage::allocate(bytes_of(spec), device); });
    } else {
      slot = Storage::slot(bytes_of(spec), device);
    }
    whole = Tensor::view(slot, 0, spec.shape, spec.dtype);
    bound[v] = whole;
  };
  plan->feed_slots.resize(required_inputs_.size());
  plan->feed_views.resize(required_inputs_.size());
  for (size_t i = 0; i < required_inputs_.size(); ++i)
    make_slot(required_inputs_[i], plan->feed_slots[i], plan->feed_views[i]);
  plan->fetch_slots.resize(fetches_.size());
  plan->fetch_views.resize(fetches_.size());
  for (size_t j = 0; j < fetches_.size(); ++j) {
    const ValueId v = fetches_[j];
    const bool first = std::find(fetches_.begin(), fetches_.end(), v) - fetches_.begin() == static_cast<long>(j);
    if (first && g.value(v).kind == ValueKind::Intermediate) make_slot(v, plan->fetch_slots[j], plan->fetch_views[j]);
  }
  for (size_t v = 0; v < num_values; ++v) {
    const Value& value = g.value(static_cast<ValueId>(v));
    if (value.kind == ValueKind::Param) {
      check(value.data.device() == device, ErrorKind::Value, "parameter '", value.name, "' is on ",
            value.data.device().str(), " but the executor runs on ", device.str());
      bound[v] = value.data;
    } else if (buffer_of[v] >= 0) {
      bound[v] = Tensor::view(arena_, memory.offsets[buffer_of[v]] + sub_offset[v], plan->specs[v].shape,
                              plan->specs[v].dtype);
    }
  }
  std::vector<int> step_of(g.num_nodes(), -1);
  for (NodeId n : schedule_.order) {
    const Node& node = g.node(n);
    Plan::Step step;
    step.node = &node;
    step.kernel = &node.op->kernel(device.type);
    check(static_cast<bool>(*step.kernel), ErrorKind::Value, "node '", node.name, "': op '", node.op->name,
          "' has no kernel for ", device.str());
    std::vector<TensorSpec> in_specs, out_specs;
    for (ValueId in : node.inputs) {
      step.inputs.push_back(bound[in]);
      in_specs.push_back(plan->specs[in]);
    }
    for (ValueId out : node.outputs) {
      step.outputs.push_back(bound[out]);
      out_specs.push_back(plan->specs[out]);
    }
    step.cost = cost_of[n];
    step.workspace_bytes = workspace_bytes_of[n];  // a lane's block when its wave is concurrent
    if (workspace_buffer[n] >= 0) {
      step.workspace_offset = memory.offsets[workspace_buffer[n]];
    }
    if (node.op->prepare) step.prepared = node.op->prepare(PrepareContext{node, in_specs, out_specs, device});
    step_of[n] = static_cast<int>(plan->steps.size());
    plan->steps.push_back(std::move(step));
  }

  // 5. Waves, in the order of step 2.
  auto steps_of = [&](const std::vector<NodeId>& nodes) {
    std::vector<int> steps;
    for (NodeId n : nodes) steps.push_back(step_of[n]);
    return steps;
  };
  for (const WaveOrder& order : wave_orders) {
    Plan::Wave wave;
    wave.before = steps_of(order.before);
    wave.steps = steps_of(order.nodes);
    wave.after = steps_of(order.after);
    wave.parallel = order.parallel;
    if (wave.parallel) ++plan->stats.concurrent_waves;
    if (first_lane[plan->waves.size()] >= 0)
      for (int lane = 0; lane < concurrent_lanes(order.nodes.size()); ++lane)
        wave.lane_offsets.push_back(memory.offsets[first_lane[plan->waves.size()] + lane]);
    plan->waves.push_back(std::move(wave));
  }
  plan->capturable = options_.capture_graphs && context_->can_capture();
  for (const Plan::Step& step : plan->steps)
    if (step.node->op->collective) plan->capturable = false;  // a collective waits on other processes
  plan->stats.waves = static_cast<int>(plan->waves.size());
  plan->stats.nodes = static_cast<int>(plan->steps.size());
  return plan;
}

Executor::Plan& Executor::plan_for(const std::vector<Shape>& input_shapes) {
  auto it = plan_index_.find(input_shapes);
  if (it != plan_index_.end()) {
    plans_.splice(plans_.begin(), plans_, it->second);  // most recently used first
    return *it->second->second;
  }
  std::unique_ptr<Plan> plan = make_plan(input_shapes);
  while (plans_.size() >= options_.max_cached_plans) {
    plan_index_.erase(plans_.back().first);
    plans_.pop_back();
  }
  plans_.emplace_front(input_shapes, std::move(plan));
  plan_index_[input_shapes] = plans_.begin();
  return *plans_.front().second;
}

PlanStats Executor::plan_stats(const std::vector<Shape>& input_shapes) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  std::shared_lock<std::shared_mutex> graph_lock(graph_->mutex());
  check(input_shapes.size() == required_inputs_.size(), ErrorKind::Value, "expected ", required_inputs_.size(),
        " input shape(s), got ", input_shapes.size());
  return plan_for(input_shapes).stats;
}

std::vector<WavePlan> Executor::wave_plan(const std::vector<Shape>& input_shapes) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  std::shared_lock<std::shared_mutex> graph_lock(graph_->mutex());
  check(input_shapes.size() == required_inputs_.size(), ErrorKind::Value, "expected ", required_inputs_.size(),
        " input shape(s), got ", input_shapes.size());
  const Plan& plan = plan_for(input_shapes);
  std::vector<WavePlan> waves;
  for (const Plan::Wave& wave : plan.waves) {
    WavePlan w;
    w.concurrent = wave.parallel;
    for (int s : wave.steps) {
      w.nodes.push_back(plan.steps[s].node->id);
      w.costs.push_back(plan.steps[s].cost);
    }
    waves.push_back(std::move(w));
  }
  return waves;
}

size_t Executor::cached_plans() const {
  std::lock_guard<std::mutex> lock(run_mutex_);
  return plans_.size();
}

size_t Executor::arena_bytes() const {
  std::lock_guard<std::mutex> lock(run_mutex_);
  return arena_->bytes();
}

void Executor::raise_device_error(const Plan& plan, const DeviceError& error) const {
  const Plan::Step* step =
      error.step >= 0 && static_cast<size_t>(error.step) < plan.steps.size() ? &plan.steps[error.step] : nullptr;
  if (step && step->node->op->describe_error) {
    std::vector<TensorSpec> in_specs;
    for (ValueId in : step->node->inputs) in_specs.push_back(plan.specs[in]);
    throw Error(ErrorKind::Value, step->node->op->describe_error(*step->node, in_specs, error));
  }
  fail(ErrorKind::Value, step ? cat("node '", step->node->name, "' (", step->node->op->name, "): ") : std::string(),
       "bad input data (error ", error.code, ") at position ", error.position);
}

int64_t Executor::replays() const {
  std::lock_guard<std::mutex> lock(run_mutex_);
  return replays_;
}

void Executor::run_steps(Plan& plan) {
  DeviceContext& device = *context_;
  const bool profiling = g_profiling.load(std::memory_order_relaxed);  // times each kernel: no capture
  ++plan.runs;
  if (plan.capturable && !profiling && !plan.captured && plan.runs == 2) {
    device.begin_capture();
    try {
      launch_steps(plan);
    } catch (...) {
      device.abort_capture();
      plan.capturable = false;  // run directly from now on (this run too, below)
    }
    if (plan.capturable) {
      plan.captured = device.end_capture();
      if (!plan.captured) plan.capturable = false;  // nothing ran: run it directly below
    }
  }
  if (plan.captured && !profiling) {
    plan.captured->replay();
    ++replays_;
  } else {
    launch_steps(plan);
  }
  if (!device.synchronous()) {
    DeviceError error = device.take_error();  // synchronises: the step's one check
    if (error.code != 0) raise_device_error(plan, error);
  }
}

void Executor::launch_steps(Plan& plan) {
  DeviceContext& device = *context_;
  const bool check_each_step = device.synchronous();
  char* arena = static_cast<char*>(arena_->data());
  auto run_on = [&](int s, size_t workspace_offset) {
    Plan::Step& step = plan.steps[s];
    KernelContext ctx{*step.node,
                      step.inputs,
                      step.outputs,
                      step.workspace_bytes ? arena + workspace_offset : nullptr,
                      step.workspace_bytes,
                      step.prepared.get(),
                      &device,
                      s};
    if (g_profiling.load(std::memory_order_relaxed)) run_profiled(*step.kernel, ctx);
    else (*step.kernel)(ctx);
  };
  auto run_one = [&](int s) { run_on(s, plan.steps[s].workspace_offset); };
  // On the CPU a kernel that found bad data stops the step right there, before later
  // nodes (parameter updates) run; a device checks once, after the step.
  auto check_error = [&] {
    if (check_each_step && __atomic_load_n(&device.error->code, __ATOMIC_ACQUIRE) != 0)
      raise_device_error(plan, device.take_error());
  };
  auto run_serial = [&](const std::vector<int>& steps) {
    for (int s : steps) {
      run_one(s);
      check_error();
    }
  };
  for (const Plan::Wave& wave : plan.waves) {
    run_serial(wave.before);
    if (wave.parallel) {
      // One node at a time, in the plan's largest-first order, to whichever thread is
      // free; a thread that is not scheduled in time simply takes none.
      // Chunk `lane` runs its nodes one after another in that lane's scratch block.
      std::atomic<size_t> next{0};
      const size_t n = wave.steps.size();
      int64_t threads = std::min<int64_t>(static_cast<int64_t>(n), thread_pool().size());
      if (!wave.lane_offsets.empty()) threads = std::min<int64_t>(threads, wave.lane_offsets.size());
      thread_pool().parallel_for(threads, 1, [&](int64_t lane, int64_t) {
        for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
          const int s = wave.steps[i];
          run_on(s, wave.lane_offsets.empty() ? plan.steps[s].workspace_offset : wave.lane_offsets[lane]);
        }
      });
    } else {
      run_serial(wave.steps);
    }
    check_error();
    run_serial(wave.after);
  }
}

void Executor::stage_feeds(Plan& plan, const std::vector<Tensor>& feeds) {
  // Ordered on the context's stream, so the copy lands before the kernels (or the replay)
  // that read the slot, and after the previous run, which take_error waited for.
  DeviceBackend& backend = backend_for(options_.device);
  for (size_t i = 0; i < feeds.size(); ++i) {
    const Tensor& feed = feeds[i];
    if (!plan.feed_slots[i] || !feed.nbytes()) continue;
    backend.copy(plan.feed_views[i].raw(), options_.device, feed.raw(), feed.device(), feed.nbytes(), context_->stream);
  }
}

std::vector<Tensor> Executor::run_locked(const std::vector<Tensor>& feeds) {
  check_feeds(feeds);
  std::vector<Shape> shapes;
  shapes.reserve(feeds.size());
  for (const Tensor& t : feeds) shapes.push_back(t.shape());
  Plan& plan = plan_for(shapes);

  // Per-run bindings must not outlive the run: feeds may borrow caller memory.
  struct Unbind {
    Plan& plan;
    ~Unbind() {
      if (plan.staged) return;
      for (auto* slots : {&plan.feed_slots, &plan.fetch_slots})
        for (auto& slot : *slots)
          if (slot) slot->rebind(nullptr, slot->bytes());
    }
  } unbind{plan};

  if (plan.staged) stage_feeds(plan, feeds);
  else
    for (size_t i = 0; i < feeds.size(); ++i) plan.feed_slots[i]->rebind(feeds[i].raw(), plan.feed_slots[i]->bytes());
  std::vector<Tensor> results(fetches_.size());
  for (size_t j = 0; j < fetches_.size(); ++j) {
    if (!plan.fetch_slots[j] || plan.staged) continue;
    const TensorSpec& spec = plan.specs[fetches_[j]];
    results[j] = Tensor::empty(spec.shape, spec.dtype);
    plan.fetch_slots[j]->rebind(results[j].raw(), plan.fetch_slots[j]->bytes());
  }

  run_steps(plan);

  for (size_t j = 0; j < fetches_.size(); ++j) {
    const ValueId v = fetches_[j];
    const Value& value = graph_->value(v);
    if (plan.fetch_slots[j]) {
      if (plan.staged) results[j] = plan.fetch_views[j].to(cpu_device());
    } else if (value.kind == ValueKind::Param) {
      results[j] = value.data.to(cpu_device());  // after the run: shows this run's updates
    } else if (value.kind == ValueKind::Input) {
      auto pos = std::find(required_inputs_.begin(), required_inputs_.end(), v) - required_inputs_.begin();
      results[j] = feeds[pos].to(cpu_device());
    } else {
      results[j] = results[std::find(fetches_.begin(), fetches_.end(), v) - fetches_.begin()];
    }
  }
  return results;
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& feeds) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  std::shared_lock<std::shared_mutex> graph_lock(graph_->mutex());
  return run_locked(feeds);
}

std::vector<std::vector<Tensor>> Executor::run_many(const std::vector<std::vector<Tensor>>& feeds_per_run) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  std::shared_lock<std::shared_mutex> graph_lock(graph_->mutex());
  std::vector<std::vector<Tensor>> out;
  out.reserve(feeds_per_run.size());
  for (const auto& feeds : feeds_per_run) out.push_back(run_locked(feeds));
  return out;
}

void set_op_profiling(bool on) { g_profiling.store(on); }

std::vector<OpProfile> take_op_profile() {
  std::lock_guard<std::mutex> lock(g_profile_mutex);
  std::vector<OpProfile> out;
  for (auto& [name, p] : profile_table()) out.push_back(p);
  profile_table().clear();
  std::sort(out.begin(), out.end(), [](const OpProfile& a, const OpProfile& b) { return a.seconds > b.seconds; });
  return out;
}

}  // namespace dagnet
