#include "graph/executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "core/thread_pool.h"
#include "graph/arena_layout.h"

namespace dagnet {

namespace {
// Where a per-run tensor (a feed or a fetched result) is patched into a step.
struct Slot {
  int step;
  bool is_output;
  int index;
};

std::atomic<bool> g_profiling{false};
std::mutex g_profile_mutex;
std::map<std::string, OpProfile>& profile_table() {
  static std::map<std::string, OpProfile> table;
  return table;
}

void run_profiled(const KernelContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  ctx.node.op->cpu(ctx);
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
}  // namespace

struct Executor::Plan {
  struct Step {
    const Node* node;
    std::vector<Tensor> inputs;
    std::vector<Tensor> outputs;
    void* workspace = nullptr;
    size_t workspace_bytes = 0;
    double cost = 0;
  };
  struct Wave {
    std::vector<int> steps;
    bool parallel = false;
  };
  std::shared_ptr<Storage> arena;
  std::vector<TensorSpec> specs;  // per value id
  std::vector<Step> steps;
  std::vector<Wave> waves;
  std::vector<std::vector<Slot>> feed_slots;   // per required input
  std::vector<std::vector<Slot>> fetch_slots;  // per fetch that is computed here
  PlanStats stats;
};

Executor::Executor(std::shared_ptr<Graph> graph, std::vector<ValueId> fetches, std::vector<NodeId> effects,
                   ExecutorOptions options)
    : graph_(std::move(graph)), fetches_(std::move(fetches)), effects_(std::move(effects)), options_(options) {
  check(graph_ != nullptr, ErrorKind::Value, "Executor needs a graph");
  for (ValueId v : fetches_) graph_->value(v);  // validates ids
  schedule_ = make_schedule(*graph_, fetches_, effects_);
  std::vector<char> used(graph_->num_values(), 0);
  for (NodeId n : schedule_.order)
    for (ValueId in : graph_->node(n).inputs) used[in] = 1;
  for (ValueId v : fetches_) used[v] = 1;
  for (ValueId in : graph_->inputs())
    if (used[in]) required_inputs_.push_back(in);
}

Executor::~Executor() = default;

void Executor::check_feeds(const std::vector<Tensor>& feeds) const {
  check(feeds.size() == required_inputs_.size(), ErrorKind::Value, "expected ", required_inputs_.size(),
        " input(s), got ", feeds.size());
  for (size_t i = 0; i < feeds.size(); ++i) {
    const Value& in = graph_->value(required_inputs_[i]);
    const Tensor& t = feeds[i];
    check(t.defined(), ErrorKind::Value, "input '", in.name, "' was not given");
    check(t.device().type == DeviceType::CPU, ErrorKind::Value, "input '", in.name, "' is on ", t.device().str(),
          ", expected cpu");
    check(t.dtype() == in.spec.dtype, ErrorKind::Type, "input '", in.name, "' expects dtype ",
          dtype_name(in.spec.dtype), ", got ", dtype_name(t.dtype()));
    bool ok = t.rank() == in.spec.shape.size();
    for (size_t d = 0; ok && d < t.rank(); ++d) ok = dims_compatible(in.spec.shape[d], t.shape()[d]);
    check(ok, ErrorKind::Value, "input '", in.name, "' expects shape ", shape_str(in.spec.shape), ", got ",
          shape_str(t.shape()));
  }
}

std::unique_ptr<Executor::Plan> Executor::make_plan(const std::vector<Shape>& input_shapes) const {
  const Graph& g = *graph_;
  auto plan = std::make_unique<Plan>();
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
            "): output shape ", shape_str(outs[k].shape), " is still unknown with the given inputs");
      plan->specs[node.outputs[k]] = outs[k];
    }
  }

  // 2. Buffers and lifetimes (in waves). Fetched values are allocated per run, so the
  // caller owns them; everything else lives in the arena.
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
  std::vector<int> workspace_buffer(g.num_nodes(), -1);
  auto bytes_of = [&](ValueId v) {
    return static_cast<size_t>(num_elements(plan->specs[v].shape)) * dtype_size(plan->specs[v].dtype);
  };
  for (NodeId n : schedule_.order) {
    const Node& node = g.node(n);
    const int wave = schedule_.wave_of[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      int b = is_shape_only(node, i) ? -1 : buffer_of[node.inputs[i]];
      if (b >= 0) requests[b].last = std::max(requests[b].last, wave);
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      ValueId out = node.outputs[k];
      if (fetched[out]) continue;
      const int saved_from = node.op->saved_outputs_from;
      if (saved_from >= 0 && static_cast<int>(k) >= saved_from && any_use[out] == 0) continue;  // left undefined
      if (k == 0 && node.op->inplace_input >= 0 && options_.reuse_memory) {
        ValueId in = node.inputs[node.op->inplace_input];
        int b = buffer_of[in];
        if (b >= 0 && readers[in] == 1 && bytes_of(in) == bytes_of(out)) {
          buffer_of[out] = b;
          ++plan->stats.inplace;
          continue;
        }
      }
      buffer_of[out] = static_cast<int>(requests.size());
      requests.push_back({bytes_of(out), wave, wave});
    }
    if (node.op->workspace) {
      std::vector<TensorSpec> in_specs, out_specs;
      for (ValueId in : node.inputs) in_specs.push_back(plan->specs[in]);
      for (ValueId out : node.outputs) out_specs.push_back(plan->specs[out]);
      size_t bytes = node.op->workspace(in_specs, out_specs, node.attrs);
      if (bytes > 0) {
        workspace_buffer[n] = static_cast<int>(requests.size());
        requests.push_back({bytes, wave, wave});
      }
    }
  }
  ArenaLayout memory = layout_arena(requests, options_.reuse_memory);
  plan->arena = Storage::allocate(memory.arena_bytes);
  plan->stats.arena_bytes = memory.arena_bytes;
  plan->stats.naive_bytes = memory.naive_bytes;
  plan->stats.buffers = static_cast<int>(requests.size());

  // 3. Prebuilt kernel arguments.
  std::vector<Tensor> bound(num_values);
  for (size_t v = 0; v < num_values; ++v) {
    const Value& value = g.value(static_cast<ValueId>(v));
    if (value.kind == ValueKind::Param) bound[v] = value.data;
    else if (buffer_of[v] >= 0)
      bound[v] = Tensor::view(plan->arena, memory.offsets[buffer_of[v]], plan->specs[v].shape, plan->specs[v].dtype);
  }
  std::vector<int> feed_index(num_values, -1), fetch_index(num_values, -1);
  for (size_t i = 0; i < required_inputs_.size(); ++i) feed_index[required_inputs_[i]] = static_cast<int>(i);
  for (size_t j = 0; j < fetches_.size(); ++j)
    if (fetch_index[fetches_[j]] < 0) fetch_index[fetches_[j]] = static_cast<int>(j);
  plan->feed_slots.resize(required_inputs_.size());
  plan->fetch_slots.resize(fetches_.size());
  std::vector<int> step_of(g.num_nodes(), -1);
  for (NodeId n : schedule_.order) {
    const Node& node = g.node(n);
    Plan::Step step;
    step.node = &node;
    int s = static_cast<int>(plan->steps.size());
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      ValueId in = node.inputs[i];
      step.inputs.push_back(bound[in]);
      step.cost += static_cast<double>(num_elements(plan->specs[in].shape));
      if (is_shape_only(node, i)) continue;
      if (feed_index[in] >= 0) plan->feed_slots[feed_index[in]].push_back({s, false, static_cast<int>(i)});
      else if (fetch_index[in] >= 0 && g.value(in).kind == ValueKind::Intermediate)
        plan->fetch_slots[fetch_index[in]].push_back({s, false, static_cast<int>(i)});
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      ValueId out = node.outputs[k];
      step.outputs.push_back(bound[out]);
      step.cost += static_cast<double>(num_elements(plan->specs[out].shape));
      if (fetch_index[out] >= 0) plan->fetch_slots[fetch_index[out]].push_back({s, true, static_cast<int>(k)});
    }
    if (workspace_buffer[n] >= 0) {
      const BufferRequest& r = requests[workspace_buffer[n]];
      step.workspace = static_cast<char*>(plan->arena->data()) + memory.offsets[workspace_buffer[n]];
      step.workspace_bytes = r.bytes;
    }
    step_of[n] = s;
    plan->steps.push_back(std::move(step));
  }

  // 4. Waves. Running a wave's nodes at once makes each one single-threaded, which pays
  // only when no single node dominates the wave.
  const bool can_parallel = options_.parallel_branches && thread_pool().size() > 1;
  for (const auto& wave_nodes : schedule_.waves) {
    Plan::Wave wave;
    double total = 0, largest = 0;
    for (NodeId n : wave_nodes) {
      wave.steps.push_back(step_of[n]);
      double c = plan->steps[step_of[n]].cost;
      total += c;
      largest = std::max(largest, c);
    }
    wave.parallel = can_parallel && wave.steps.size() > 1 && largest <= 0.75 * total;
    plan->waves.push_back(std::move(wave));
  }
  plan->stats.waves = static_cast<int>(plan->waves.size());
  plan->stats.nodes = static_cast<int>(plan->steps.size());
  return plan;
}

Executor::Plan& Executor::plan_for(const std::vector<Shape>& input_shapes) {
  auto it = plans_.find(input_shapes);
  if (it == plans_.end()) it = plans_.emplace(input_shapes, make_plan(input_shapes)).first;
  return *it->second;
}

PlanStats Executor::plan_stats(const std::vector<Shape>& input_shapes) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  check(input_shapes.size() == required_inputs_.size(), ErrorKind::Value, "expected ", required_inputs_.size(),
        " input shape(s), got ", input_shapes.size());
  return plan_for(input_shapes).stats;
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& feeds) {
  std::lock_guard<std::mutex> lock(run_mutex_);
  check_feeds(feeds);
  std::vector<Shape> shapes;
  shapes.reserve(feeds.size());
  for (const Tensor& t : feeds) shapes.push_back(t.shape());
  Plan& plan = plan_for(shapes);

  auto patch = [&](const std::vector<Slot>& slots, const Tensor& t) {
    for (const Slot& s : slots) (s.is_output ? plan.steps[s.step].outputs : plan.steps[s.step].inputs)[s.index] = t;
  };
  // Per-run tensors must not outlive the run: feeds may borrow caller memory.
  struct Unpatch {
    Plan& plan;
    ~Unpatch() {
      for (auto* slot_lists : {&plan.feed_slots, &plan.fetch_slots})
        for (const auto& slots : *slot_lists)
          for (const Slot& s : slots)
            (s.is_output ? plan.steps[s.step].outputs : plan.steps[s.step].inputs)[s.index] = Tensor();
    }
  } unpatch{plan};

  for (size_t i = 0; i < feeds.size(); ++i) patch(plan.feed_slots[i], feeds[i]);
  std::vector<Tensor> results(fetches_.size());
  for (size_t j = 0; j < fetches_.size(); ++j) {
    ValueId v = fetches_[j];
    const Value& value = graph_->value(v);
    const TensorSpec& spec = plan.specs[v];
    if (value.kind == ValueKind::Param) {
      continue;  // copied after the run, so it shows this run's updates
    } else if (value.kind == ValueKind::Input) {
      auto pos = std::find(required_inputs_.begin(), required_inputs_.end(), v) - required_inputs_.begin();
      results[j] = feeds[pos].clone();
    } else {
      size_t first = std::find(fetches_.begin(), fetches_.end(), v) - fetches_.begin();
      results[j] = first < j ? results[first] : Tensor::empty(spec.shape, spec.dtype);
      if (first == j) patch(plan.fetch_slots[j], results[j]);
    }
  }

  for (const Plan::Wave& wave : plan.waves) {
    auto run_one = [&](int s) {
      Plan::Step& step = plan.steps[s];
      KernelContext ctx{*step.node, step.inputs, step.outputs, step.workspace, step.workspace_bytes};
      if (g_profiling.load(std::memory_order_relaxed)) run_profiled(ctx);
      else step.node->op->cpu(ctx);
    };
    if (wave.parallel) {
      thread_pool().parallel_for(static_cast<int64_t>(wave.steps.size()), 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) run_one(wave.steps[i]);
      });
    } else {
      for (int s : wave.steps) run_one(s);
    }
  }
  for (size_t j = 0; j < fetches_.size(); ++j)
    if (graph_->value(fetches_[j]).kind == ValueKind::Param) results[j] = graph_->value(fetches_[j]).data.clone();
  return results;
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
