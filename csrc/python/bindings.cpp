// pybind11 bindings of the engine. Bindings only: conversions between NumPy and
// engine tensors, and argument plumbing. No engine logic lives here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "core/device_backend.h"
#include "core/error.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "cpu/conv1d_winograd.h"
#include "cpu/conv_winograd.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/node_cost.h"
#include "graph/serialize.h"
#include "graph/training.h"
#include "python/distributed_bindings.h"
#include "runtime/build_info.h"
#include "runtime/init.h"
#include "runtime/math_mode.h"

namespace py = pybind11;
using namespace dagnet;

namespace {

const char* buffer_format(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f";
    case DType::f64: return "d";
    case DType::i32: return "i";
    case DType::i64: return "q";
  }
  return "?";
}

// The engine dtype of a NumPy array, or a Type error naming `what`.
DType dtype_of_array(const py::array& a, const std::string& what) {
  py::dtype dt = a.dtype();
  if (dt.is(py::dtype::of<float>())) return DType::f32;
  if (dt.is(py::dtype::of<double>())) return DType::f64;
  if (dt.kind() == 'i' && dt.itemsize() == 4) return DType::i32;
  if (dt.kind() == 'i' && dt.itemsize() == 8) return DType::i64;
  if (dt.kind() == 'f' && dt.itemsize() == 4) return DType::f32;
  if (dt.kind() == 'f' && dt.itemsize() == 8) return DType::f64;
  fail(ErrorKind::Type, what, ": unsupported dtype ", std::string(py::str(dt)),
       " (the engine takes float32, float64, int32 or int64)");
}

Shape shape_of_array(const py::array& a) { return Shape(a.shape(), a.shape() + a.ndim()); }

// `a` in native byte order: big-endian (or other foreign-order) data is converted to a new
// array, never read as if it were native (6.0 read byte-swapped is 6.9e-41).
py::array native_order(const py::array& a) {
  py::object dt = a.dtype();
  if (dt.attr("isnative").cast<bool>()) return a;
  return a.attr("astype")(dt.attr("newbyteorder")("="));
}

// A copy of `a` in engine-owned, 64-byte aligned memory.
Tensor copy_from_array(const py::array& a, const std::string& what) {
  DType dtype = dtype_of_array(a, what);
  py::array contiguous = py::array::ensure(native_order(a), py::array::c_style);
  Tensor t = Tensor::empty(shape_of_array(contiguous), dtype);
  if (t.nbytes()) std::memcpy(t.raw(), contiguous.data(), t.nbytes());
  return t;
}

bool borrowable(const py::array& a, DType dtype) {
  bool aligned = reinterpret_cast<uintptr_t>(a.data()) % dtype_size(dtype) == 0;
  return (a.flags() & py::array::c_style) && aligned && a.dtype().attr("isnative").cast<bool>();
}

// A zero-copy view of `a` when it is C-contiguous, aligned and in native byte order, else
// a copy. The caller keeps `a` alive for as long as the tensor is used. An input the graph
// writes in place (`written`) must be viewable and writeable: the engine never writes
// read-only memory (a memmap opened 'r', a bytes buffer), and a copy would drop the update.
Tensor borrow_array(const py::array& a, const std::string& what, bool written) {
  DType dtype = dtype_of_array(a, what);
  if (written) {
    check(a.writeable(), ErrorKind::Value, what,
          " is updated in place by the graph, but the array is read-only; pass a writeable copy (numpy.array(x))");
    check(borrowable(a, dtype), ErrorKind::Value, what,
          " is updated in place by the graph, so it must be a C-contiguous, aligned array in native byte order; "
          "pass numpy.ascontiguousarray(x) of the native dtype");
  }
  if (!borrowable(a, dtype)) return copy_from_array(a, what);
  Shape shape = shape_of_array(a);
  size_t bytes = static_cast<size_t>(num_elements(shape)) * dtype_size(dtype);
  auto storage = Storage::borrow(const_cast<void*>(a.data()), bytes, nullptr);
  return Tensor::view(storage, 0, shape, dtype);
}

// Which of the executor's required inputs a scheduled node writes in place.
std::vector<bool> inputs_written(const Executor& ex) {
  const Graph& g = ex.graph();
  std::vector<bool> written(ex.required_inputs().size(), false);
  for (NodeId n : ex.schedule().order) {
    const Node& node = g.node(n);
    for (int i : node.op->mutates) {
      if (i >= static_cast<int>(node.inputs.size())) continue;
      for (size_t r = 0; r < written.size(); ++r)
        if (ex.required_inputs()[r] == node.inputs[i]) written[r] = true;
    }
  }
  return written;
}

// A NumPy array sharing the tensor's bytes (the array keeps the storage alive); a device
// tensor is copied to the host first.
py::array to_numpy(const Tensor& device_tensor) {
  const Tensor t = device_tensor.device().type == DeviceType::CPU ? device_tensor : device_tensor.to(cpu_device());
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides(t.rank());
  py::ssize_t stride = static_cast<py::ssize_t>(dtype_size(t.dtype()));
  for (size_t i = t.rank(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<py::ssize_t>(1, shape[i]);
  }
  auto* keep = new Tensor(t);
  py::capsule owner(keep, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(py::dtype(buffer_format(t.dtype())), shape, strides, t.raw(), owner);
}

Attrs attrs_from_dict(const py::dict& d) {
  Attrs attrs;
  for (auto item : d) {
    std::string key = py::str(item.first);
    py::handle v = item.second;
    if (py::isinstance<py::bool_>(v)) attrs.set(key, static_cast<int64_t>(v.cast<bool>()));
    else if (py::isinstance<py::int_>(v)) attrs.set(key, v.cast<int64_t>());
    else if (py::isinstance<py::float_>(v)) attrs.set(key, v.cast<double>());
    else if (py::isinstance<py::str>(v)) attrs.set(key, v.cast<std::string>());
    else if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
      std::vector<int64_t> ints;
      for (auto e : v) {
        if (!py::isinstance<py::int_>(e) || py::isinstance<py::bool_>(e))
          fail(ErrorKind::Type, "attribute '", key, "': lists may only hold ints");
        ints.push_back(e.cast<int64_t>());
      }
      attrs.set(key, ints);
    } else {
      fail(ErrorKind::Type, "attribute '", key, "': unsupported value type ",
           std::string(py::str(py::type::handle_of(v).attr("__name__"))));
    }
  }
  return attrs;
}

py::object attr_to_python(const AttrValue& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

// Feeds as a list (in required-input order) or a dict keyed by input name. Arrays are
// kept in `keep` so the borrowed views stay valid through the run.
std::vector<Tensor> feeds_from_python(const Executor& ex, py::handle feeds, std::vector<py::array>& keep) {
  const Graph& graph = ex.graph();
  const std::vector<ValueId>& required = ex.required_inputs();
  const std::vector<bool> written = inputs_written(ex);
  std::vector<Tensor> out;
  auto add = [&](py::handle obj, size_t index) {
    const std::string& name = graph.value(required[index]).name;
    py::array a = py::array::ensure(obj);
    if (!a)
      fail(ErrorKind::Type, "input '", name, "': expected an array, got ",
           std::string(py::str(py::type::handle_of(obj))));
    keep.push_back(a);
    out.push_back(borrow_array(a, "input '" + name + "'", written[index]));
  };
  if (py::isinstance<py::dict>(feeds)) {
    py::dict d = py::reinterpret_borrow<py::dict>(feeds);
    for (size_t i = 0; i < required.size(); ++i) {
      const std::string& name = graph.value(required[i]).name;
      if (!d.contains(name)) fail(ErrorKind::Value, "missing input '", name, "'");
      add(d[py::str(name)], i);
    }
  } else {
    py::sequence seq = py::reinterpret_borrow<py::sequence>(feeds);
    check(seq.size() == required.size(), ErrorKind::Value, "expected ", required.size(), " input(s), got ", seq.size());
    for (size_t i = 0; i < required.size(); ++i) add(seq[i], i);
  }
  return out;
}

py::list results_to_python(const std::vector<Tensor>& results) {
  py::list out;
  for (const Tensor& t : results) out.append(to_numpy(t));
  return out;
}

std::vector<std::string> input_names(const Graph& g, const std::vector<ValueId>& ids) {
  std::vector<std::string> names;
  for (ValueId id : ids) names.push_back(g.value(id).name);
  return names;
}

// The executor's schedule: waves of node names, in the order they run.
py::list schedule_to_python(const Executor& ex) {
  py::list waves;
  for (const auto& wave : ex.schedule().waves) {
    py::list names;
    for (NodeId n : wave) names.append(ex.graph().node(n).name);
    waves.append(names);
  }
  return waves;
}

py::dict stats_to_dict(const PlanStats& s) {
  py::dict d;
  d["arena_bytes"] = s.arena_bytes;
  d["naive_bytes"] = s.naive_bytes;
  d["buffers"] = s.buffers;
  d["inplace"] = s.inplace;
  d["waves"] = s.waves;
  d["nodes"] = s.nodes;
  d["concurrent_waves"] = s.concurrent_waves;
  return d;
}

py::list wave_plan_to_python(const std::vector<WavePlan>& waves) {
  py::list out;
  for (const WavePlan& w : waves) {
    py::dict d;
    d["nodes"] = w.nodes;
    d["costs"] = w.costs;
    d["concurrent"] = w.concurrent;
    out.append(d);
  }
  return out;
}

// An optimizer config from {"optimizer": kind, <field>: value, ...}: every key but
// "optimizer" goes through the table (optimizer_fields), which refuses unknown names.
OptimizerConfig optimizer_config_from_python(const py::dict& d) {
  OptimizerConfig config;
  for (const auto& [key, value] : d) {
    const std::string name = key.cast<std::string>();
    if (name == "optimizer") config.name = value.cast<std::string>();
    else set_optimizer_field(config, name, value.cast<double>());
  }
  return config;
}

py::dict optimizer_config_to_python(const OptimizerConfig& config) {
  py::dict d;
  d["optimizer"] = config.name;
  for (const OptimizerField& field : optimizer_fields()) {
    if (field.number) d[field.name] = config.*field.number;
    else d[field.name] = config.*field.flag;
  }
  return d;
}

// [(param index, constrain-op attrs)], as Trainer(constraints=...) and program dicts take them.
std::vector<ParamConstraint> constraints_from_python(py::handle list) {
  std::vector<ParamConstraint> constraints;
  for (py::handle item : list) {
    auto pair = item.cast<py::tuple>();
    constraints.push_back({pair[0].cast<size_t>(), attrs_from_dict(pair[1].cast<py::dict>())});
  }
  return constraints;
}

py::list constraints_to_python(const std::vector<ParamConstraint>& constraints) {
  py::list list;
  for (const ParamConstraint& c : constraints) {
    py::dict attrs;
    for (const auto& [k, v] : c.attrs.values()) attrs[py::str(k)] = attr_to_python(v);
    list.append(py::make_tuple(c.param_index, attrs));
  }
  return list;
}

}  // namespace

PYBIND11_MODULE(_engine, m) {
  m.doc() = "dagnet native engine (bindings only)";
  init_engine();
  bind_distributed(m);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* type = PyExc_RuntimeError;
      switch (e.kind()) {
        case ErrorKind::Value: type = PyExc_ValueError; break;
        case ErrorKind::Type: type = PyExc_TypeError; break;
        case ErrorKind::Index: type = PyExc_IndexError; break;
        case ErrorKind::Memory: type = PyExc_MemoryError; break;
        case ErrorKind::Runtime: type = PyExc_RuntimeError; break;
      }
      PyErr_SetString(type, e.what());
    }
  });

  m.def("set_allow_tf32", &set_allow_tf32, py::arg("on"),
        "TF32 tensor-core math for float32 GEMMs on CUDA devices (off by default; no effect on the CPU).");
  m.def("allow_tf32", &allow_tf32);

  m.def("info", [] {
    BuildInfo b = build_info();
    py::dict d;
    d["version"] = b.version;
    d["build_type"] = b.build_type;
    d["cpu_isa"] = b.cpu_isa;
    d["cuda"] = b.cuda_compiled;
    d["threads"] = b.threads;
    py::dict caches;
    caches["l1d"] = b.l1d_bytes;
    caches["l2"] = b.l2_bytes;
    caches["l3"] = b.l3_bytes;
    caches["l1d_ways"] = b.l1d_ways;
    d["caches"] = caches;
    py::dict blocking;
    blocking["mr"] = b.gemm_mr;
    blocking["nr"] = b.gemm_nr;
    blocking["kc"] = b.gemm_kc;
    blocking["mc"] = b.gemm_mc;
    blocking["nc"] = b.gemm_nc;
    d["gemm_blocking"] = blocking;
    d["devices"] = available_devices();
    return d;
  });
  m.def("devices", &available_devices);
  m.def(
      "device_bytes_in_use",
      [](const std::string& device) {
        const Device d = parse_device(device);
        if (d.type == DeviceType::CPU) return size_t{0};  // CPU tensors are plain heap blocks, not counted
        return backend_for(d).bytes_in_use(d.index);
      },
      py::arg("device"), "Bytes the device's allocator has handed out and not taken back (0 for 'cpu').");
  m.def("set_num_threads", &set_num_threads, py::arg("threads"));
  m.def("num_threads", &num_threads);
  m.attr("min_concurrent_wave_cost") = kMinConcurrentWaveCost;
  m.def("winograd_call_count", &cpu::winograd_call_count,
        "How many convolutions (forward or input gradient) ran Winograd F(2x2, 3x3) on the CPU in this process.");
  m.def("winograd_1d_call_count", &cpu::winograd_1d_call_count,
        "How many 1-D convolutions ran Winograd F(4, r) on the CPU.");
  m.def("winograd_1d_grad_kernel_call_count", &cpu::winograd_1d_grad_kernel_call_count,
        "How many 1-D convolution kernel gradients ran Winograd F(r, 4) on the CPU.");
  m.def("winograd_grad_kernel_call_count", &cpu::winograd_grad_kernel_call_count,
        "How many convolution kernel gradients ran Winograd F(3x3, 2x2) on the CPU in this process.");
  m.def("op_names", &op_names);
  m.def(
      "kernel_devices",
      [](const std::string& op) {
        const OpDef& def = find_op(op);
        std::vector<std::string> devices;
        if (def.cpu) devices.push_back("cpu");
        if (def.cuda) devices.push_back("cuda");
        return devices;
      },
      py::arg("op"), "The device types with a kernel for `op` (['cpu', 'cuda'] once its CUDA kernel exists).");
  m.def("set_op_profiling", &set_op_profiling, py::arg("on"),
        "Time every kernel call of every executor (process-wide; off by default).");
  m.def(
      "take_op_profile",
      [] {
        py::list rows;
        for (const OpProfile& p : take_op_profile()) rows.append(py::make_tuple(p.op, p.calls, p.seconds * 1e3));
        return rows;
      },
      "[(op, calls, total ms)] since the last call, slowest first; clears the totals.");

  py::class_<Tensor>(m, "Tensor", py::buffer_protocol())
      .def_static("from_numpy", [](py::array a) { return copy_from_array(a, "Tensor.from_numpy"); })
      .def_property_readonly("shape", [](const Tensor& t) { return py::tuple(py::cast(t.shape())); })
      .def_property_readonly("dtype", [](const Tensor& t) { return std::string(dtype_name(t.dtype())); })
      .def("numpy", &to_numpy, "A NumPy array sharing this tensor's memory (a copy for a device tensor)")
      .def_property_readonly("device", [](const Tensor& t) { return t.device().str(); })
      .def(
          "to", [](const Tensor& t, const std::string& device) { return t.to(parse_device(device)); },
          py::arg("device"), "A copy on `device` ('cpu', 'cuda', 'cuda:N').")
      .def(
          "copy_from",
          [](Tensor& t, py::array a) {
            Tensor src = copy_from_array(a, "Tensor.copy_from");
            check(src.shape() == t.shape() && src.dtype() == t.dtype(), ErrorKind::Value, "Tensor.copy_from: a ",
                  dtype_name(src.dtype()), " array of shape ", shape_text(src.shape()), " into a ",
                  dtype_name(t.dtype()), " tensor of shape ", shape_text(t.shape()));
            t.copy_from(src);
          },
          py::arg("array"), "Overwrites this tensor (on any device) with the array's values, in place.")
      .def_buffer([](const Tensor& t) {
        check(t.device().type == DeviceType::CPU, ErrorKind::Value, "a tensor on ", t.device().str(),
              " has no host buffer; use .numpy(), which copies it to the host");
        std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides(t.rank());
        py::ssize_t stride = static_cast<py::ssize_t>(dtype_size(t.dtype()));
        for (size_t i = t.rank(); i-- > 0;) {
          strides[i] = stride;
          stride *= std::max<py::ssize_t>(1, shape[i]);
        }
        return py::buffer_info(t.raw(), static_cast<py::ssize_t>(dtype_size(t.dtype())), buffer_format(t.dtype()),
                               static_cast<py::ssize_t>(t.rank()), shape, strides);
      });

  py::class_<Graph, std::shared_ptr<Graph>>(m, "Graph")
      .def(py::init<>())
      .def(
          "input",
          [](Graph& g, const std::string& name, const std::vector<int64_t>& shape, const std::string& dtype) {
            return g.add_input(name, shape, dtype_from_name(dtype));
          },
          py::arg("name"), py::arg("shape"), py::arg("dtype") = "float32",
          "Adds a named input; -1 in the shape is a dimension known only at run time.")
      .def(
          "param",
          [](Graph& g, const std::string& name, py::array value) {
            return g.add_param(name, copy_from_array(value, "parameter '" + name + "'"));
          },
          py::arg("name"), py::arg("value"), "Adds a parameter holding a copy of `value`.")
      .def(
          "bind_param",
          [](Graph& g, const std::string& name, const Tensor& tensor) { return g.add_param(name, tensor); },
          py::arg("name"), py::arg("tensor"),
          "Adds a parameter sharing `tensor`'s memory (a weight used by several graphs).")
      .def(
          "param_tensor",
          [](const Graph& g, ValueId id) {
            const Value& v = g.value(id);
            check(v.kind == ValueKind::Param, ErrorKind::Value, "value '", v.name, "' is not a parameter");
            return v.data;
          },
          py::arg("value"), "The tensor bound to a parameter (shared; np.asarray views it).")
      .def(
          "node",
          [](Graph& g, const std::string& op, const std::vector<ValueId>& inputs, py::object attrs,
             const std::string& name) {
            Attrs a = attrs.is_none() ? Attrs() : attrs_from_dict(attrs.cast<py::dict>());
            return g.add_node(op, inputs, a, name);
          },
          py::arg("op"), py::arg("inputs"), py::arg("attrs") = py::none(), py::arg("name") = "",
          "Adds a node; returns the ids of its outputs.")
      .def("shape", [](const Graph& g, ValueId id) { return g.value(id).spec.shape; })
      .def("dtype", [](const Graph& g, ValueId id) { return std::string(dtype_name(g.value(id).spec.dtype)); })
      .def("value_name", [](const Graph& g, ValueId id) { return g.value(id).name; })
      .def("value_kind",
           [](const Graph& g, ValueId id) {
             switch (g.value(id).kind) {
               case ValueKind::Input: return "input";
               case ValueKind::Param: return "param";
               default: return "intermediate";
             }
           })
      .def("producer", [](const Graph& g, ValueId id) { return g.value(id).producer; })
      .def(
          "consumers", [](const Graph& g, ValueId id) { return g.value(id).consumers; }, py::arg("value"),
          "The ids of the nodes reading a value (so far).")
      .def("node_info",
           [](const Graph& g, NodeId id) {
             const Node& n = g.node(id);
             py::dict d, attrs;
             for (const auto& [k, v] : n.attrs.values()) attrs[py::str(k)] = attr_to_python(v);
             d["name"] = n.name;
             d["op"] = n.op->name;
             d["inputs"] = n.inputs;
             d["outputs"] = n.outputs;
             d["attrs"] = attrs;
             return d;
           })
      .def_property_readonly("num_values", &Graph::num_values)
      .def_property_readonly("num_nodes", &Graph::num_nodes)
      .def_property_readonly("inputs", &Graph::inputs);

  m.def("gradients", &add_gradients, py::arg("graph"), py::arg("loss"), py::arg("wrt"),
        "Adds backward nodes; returns d(loss)/d(w) value ids, one per w.");

  m.def(
      "write_programs",
      [](const std::string& path, py::list programs) {
        std::vector<Program> out;
        for (py::handle item : programs) {
          py::dict d = py::reinterpret_borrow<py::dict>(item);
          Program p;
          p.name = d["name"].cast<std::string>();
          p.graph = d["graph"].cast<std::shared_ptr<Graph>>();
          p.fetches = d["fetches"].cast<std::vector<ValueId>>();
          p.loss = d.contains("loss") ? d["loss"].cast<ValueId>() : kNoValue;
          p.params = d.contains("params") ? d["params"].cast<std::vector<ValueId>>() : std::vector<ValueId>{};
          if (d.contains("optimizer")) p.optimizer = optimizer_config_from_python(d["optimizer"].cast<py::dict>());
          if (d.contains("constraints")) p.constraints = constraints_from_python(d["constraints"]);
          if (d.contains("state_updates")) p.state_updates = d["state_updates"].cast<std::vector<NodeId>>();
          out.push_back(std::move(p));
        }
        write_programs(path, out);
      },
      py::arg("path"), py::arg("programs"), "Writes graphs with weights for the native runner (dagnet-bench).");
  m.def(
      "read_programs",
      [](const std::string& path) {
        py::list out;
        for (const Program& p : read_programs(path)) {
          py::dict d;
          d["name"] = p.name;
          d["graph"] = p.graph;
          d["fetches"] = p.fetches;
          d["loss"] = p.loss;
          d["params"] = p.params;
          d["optimizer"] = optimizer_config_to_python(p.optimizer);
          d["constraints"] = constraints_to_python(p.constraints);
          d["state_updates"] = p.state_updates;
          out.append(d);
        }
        return out;
      },
      py::arg("path"), "The programs of a file as write_programs takes them (graph, roles, optimizer, constraints).");
  m.def(
      "optimizer_fields", [] { return optimizer_config_to_python(OptimizerConfig{}); },
      "The native optimizer configuration: {'optimizer': default kind, <field>: default}.");
  m.def("optimizer_kinds", &optimizer_kinds);
  m.def(
      "read_program_names",
      [](const std::string& path) {
        std::vector<std::string> names;
        for (const Program& p : read_programs(path)) names.push_back(p.name);
        return names;
      },
      py::arg("path"));
  m.def(
      "write_tensors",
      [](const std::string& path, py::list arrays) {
        std::vector<Tensor> tensors;
        for (py::handle a : arrays) tensors.push_back(copy_from_array(py::array::ensure(a), "write_tensors"));
        write_tensors(path, tensors);
      },
      py::arg("path"), py::arg("arrays"));
  m.def("read_tensors", [](const std::string& path) { return results_to_python(read_tensors(path)); }, py::arg("path"));

  py::class_<Executor>(m, "Executor")
      .def(py::init([](std::shared_ptr<Graph> g, std::vector<ValueId> fetches, std::vector<NodeId> effects,
                       bool reuse_memory, bool parallel_branches, const std::string& device, size_t max_cached_plans,
                       bool capture_graphs) {
             return std::make_unique<Executor>(g, fetches, effects,
                                               ExecutorOptions{reuse_memory, parallel_branches, parse_device(device),
                                                               max_cached_plans, capture_graphs});
           }),
           py::arg("graph"), py::arg("fetches"), py::arg("effects") = std::vector<NodeId>{},
           py::arg("reuse_memory") = true, py::arg("parallel_branches") = true, py::arg("device") = "cpu",
           py::arg("max_cached_plans") = 32, py::arg("capture_graphs") = true,
           "capture_graphs: on a device that can, record a plan's second run as a graph and replay it "
           "(DAGNET_CUDA_GRAPHS=0 in the environment turns it off for every executor).")
      .def(
          "run",
          [](Executor& ex, py::handle feeds) {
            std::vector<py::array> keep;  // keeps borrowed inputs alive through the run
            std::vector<Tensor> tensors = feeds_from_python(ex, feeds, keep);
            std::vector<Tensor> results;
            {
              py::gil_scoped_release release;
              results = ex.run(tensors);
            }
            return results_to_python(results);
          },
          py::arg("feeds"), "Runs once; feeds are a list (required_inputs order) or a dict by input name.")
      .def(
          "run_many",
          [](Executor& ex, py::list feeds_per_run) {
            std::vector<py::array> keep;
            std::vector<std::vector<Tensor>> tensors;
            for (py::handle feeds : feeds_per_run) tensors.push_back(feeds_from_python(ex, feeds, keep));
            std::vector<std::vector<Tensor>> results;
            {
              py::gil_scoped_release release;
              results = ex.run_many(tensors);
            }
            py::list out;
            for (const auto& r : results) out.append(results_to_python(r));
            return out;
          },
          py::arg("feeds_per_run"), "Several runs in one native call; returns one result list per run.")
      .def_property_readonly("arena_bytes", &Executor::arena_bytes)
      .def_property_readonly("captures", &Executor::captures, "Whether plans are captured as device graphs.")
      .def_property_readonly("replays", &Executor::replays, "Runs that replayed a captured device graph.")
      .def_property_readonly("device", [](const Executor& ex) { return ex.device().str(); })
      .def_property_readonly("required_inputs",
                             [](const Executor& ex) { return input_names(ex.graph(), ex.required_inputs()); })
      .def("plan_stats",
           [](Executor& ex, const std::vector<Shape>& shapes) { return stats_to_dict(ex.plan_stats(shapes)); })
      .def(
          "wave_plan",
          [](Executor& ex, const std::vector<Shape>& shapes) { return wave_plan_to_python(ex.wave_plan(shapes)); },
          py::arg("input_shapes"),
          "Per wave: node ids in the order they start, their costs, and whether they run concurrently.")
      .def_property_readonly("cached_plans", &Executor::cached_plans)
      .def_property_readonly("schedule", &schedule_to_python, "Waves of node names, in the order they run.");

  py::class_<Trainer>(m, "Trainer")
      .def(
          py::init([](std::shared_ptr<Graph> g, ValueId loss, std::vector<ValueId> params, const std::string& optimizer,
                      std::vector<ValueId> fetches, bool reuse_memory, bool parallel_branches,
                      const py::list& constraints, const std::string& device, std::vector<NodeId> state_updates,
                      bool allreduce_gradients, size_t bucket_bytes, bool capture_graphs, const py::kwargs& options) {
            py::dict config = py::dict(options);
            config["optimizer"] = optimizer;
            return std::make_unique<Trainer>(g, loss, params, optimizer_config_from_python(config), fetches,
                                             ExecutorOptions{reuse_memory, parallel_branches, parse_device(device),
                                                             ExecutorOptions{}.max_cached_plans, capture_graphs},
                                             constraints_from_python(constraints), state_updates,
                                             GradientAllreduce{allreduce_gradients, bucket_bytes});
          }),
          py::arg("graph"), py::arg("loss"), py::arg("params"), py::arg("optimizer") = "sgd",
          py::arg("fetches") = std::vector<ValueId>{}, py::arg("reuse_memory") = true,
          py::arg("parallel_branches") = true, py::arg("constraints") = py::list(), py::arg("device") = "cpu",
          py::arg("state_updates") = std::vector<NodeId>{}, py::arg("allreduce_gradients") = false,
          py::arg("bucket_bytes") = GradientAllreduce{}.bucket_bytes, py::arg("capture_graphs") = true,
          "Adds autodiff and optimizer-update nodes (sgd, adam, rmsprop, adagrad, adadelta, adamax, nadam, lion, "
          "ftrl, lamb, adafactor; "
          "Keras formulas) to the graph. Keywords: the optimizer's options by their names in "
          "optimizer_fields() (learning_rate, momentum, ...; any other name is an error); "
          "constraints: [(param index, constrain-op attrs)] applied after those updates; "
          "state_updates: node ids writing non-trainable state (moving statistics), run every step; "
          "allreduce_gradients: replace the gradients by their mean over the process group (buckets of "
          "bucket_bytes; each step then takes the input 'gradient_weight', this process's rows); "
          "capture_graphs: on a device that can, replay each step from a recorded graph.")
      .def(
          "step",
          [](Trainer& tr, py::handle feeds) {
            std::vector<py::array> keep;
            std::vector<Tensor> tensors = feeds_from_python(tr.executor(), feeds, keep);
            std::vector<Tensor> results;
            {
              py::gil_scoped_release release;
              results = tr.step(tensors);
            }
            return results_to_python(results);
          },
          py::arg("feeds"), "One training step (forward, loss, backward, update); returns [loss, *fetches].")
      .def(
          "steps",
          [](Trainer& tr, py::list feeds_per_step) {
            std::vector<py::array> keep;
            std::vector<std::vector<Tensor>> tensors;
            for (py::handle feeds : feeds_per_step) tensors.push_back(feeds_from_python(tr.executor(), feeds, keep));
            std::vector<std::vector<Tensor>> results;
            {
              py::gil_scoped_release release;
              results = tr.steps(tensors);
            }
            py::list out;
            for (const auto& r : results) out.append(results_to_python(r));
            return out;
          },
          py::arg("feeds_per_step"),
          "Several training steps in one native call (steps_per_execution); one [loss, *fetches] per step.")
      .def_property("learning_rate", &Trainer::learning_rate, &Trainer::set_learning_rate)
      .def_property_readonly("gradients", &Trainer::gradients)
      .def_property("iterations", &Trainer::iterations, &Trainer::set_iterations)
      .def_property("u_product", &Trainer::u_product, &Trainer::set_u_product)
      .def(
          "slot_tensor", [](Trainer& tr, ValueId id) { return tr.executor().graph().value(id).data; }, py::arg("value"),
          "The tensor of an optimizer slot (shared; np.asarray views it).")
      .def_property_readonly("slots", &Trainer::slots)
      .def_property_readonly("device", [](Trainer& tr) { return tr.executor().device().str(); })
      .def_property_readonly("captures", [](Trainer& tr) { return tr.executor().captures(); })
      .def_property_readonly(
          "replays", [](Trainer& tr) { return tr.executor().replays(); },
          "Steps that replayed a captured device graph.")
      .def_property_readonly("state_updates", &Trainer::state_updates)
      .def_property_readonly(
          "required_inputs",
          [](Trainer& tr) { return input_names(tr.executor().graph(), tr.executor().required_inputs()); })
      .def_property_readonly(
          "schedule", [](Trainer& tr) { return schedule_to_python(tr.executor()); },
          "Waves of node names, in the order they run.")
      .def(
          "plan_stats",
          [](Trainer& tr, const std::vector<Shape>& shapes) { return stats_to_dict(tr.executor().plan_stats(shapes)); })
      .def(
          "wave_plan",
          [](Trainer& tr, const std::vector<Shape>& shapes) {
            return wave_plan_to_python(tr.executor().wave_plan(shapes));
          },
          py::arg("input_shapes"),
          "Per wave: node ids in the order they start, their costs, and whether they run concurrently.");
}
