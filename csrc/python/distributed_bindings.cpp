// Bindings of the process group (distributed/collective.h) as _engine.distributed: plumbing
// only. Collectives release the GIL, so a Python thread never stalls the others' progress.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "distributed/collective.h"
#include "python/distributed_bindings.h"

namespace py = pybind11;

namespace dagnet {

namespace {
py::dict info_to_python(const distributed::GroupInfo& info) {
  py::dict d;
  d["rank"] = info.rank;
  d["size"] = info.size;
  d["local_rank"] = info.local_rank;
  d["local_size"] = info.local_size;
  d["backend"] = info.backend;
  d["owns_mpi"] = info.owns_mpi;
  d["initialized"] = distributed::is_initialized();
  return d;
}
}  // namespace

void bind_distributed(py::module_& engine) {
  py::module_ m = engine.def_submodule("distributed", "The process group: MPI for host tensors, NCCL for CUDA ones.");
  m.def(
      "initialize",
      [](std::vector<std::string> candidates, double timeout, int expected_size) {
        distributed::MpiOptions options{std::move(candidates), timeout, expected_size};
        distributed::GroupInfo info;
        {
          py::gil_scoped_release release;
          info = distributed::initialize_mpi(options);
        }
        return info_to_python(info);
      },
      py::arg("library_candidates"), py::arg("timeout"), py::arg("expected_size") = 0,
      "Opens the first MPI library that loads, initialises MPI and joins its world; returns info().");
  m.def("info", [] { return info_to_python(distributed::group_info()); });
  m.def(
      "finalize",
      [] {
        py::gil_scoped_release release;
        distributed::finalize();
      },
      "Leaves the group (MPI_Finalize when dagnet initialised MPI).");
  m.def(
      "allreduce_sum",
      [](const Tensor& tensor) {
        py::gil_scoped_release release;
        distributed::collective_for(tensor.device()).allreduce_sum(tensor);
      },
      py::arg("tensor"), "Sums `tensor` over every process, in place.");
  m.def(
      "broadcast",
      [](const Tensor& tensor, int root) {
        py::gil_scoped_release release;
        distributed::collective_for(tensor.device()).broadcast(tensor, root);
      },
      py::arg("tensor"), py::arg("root") = 0, "Every process's `tensor` becomes process `root`'s, in place.");
  m.def(
      "barrier",
      [] {
        py::gil_scoped_release release;
        distributed::host_collective().barrier();
      },
      "Returns once every process called it.");
  m.def(
      "connect",
      [](const std::string& device) {
        py::gil_scoped_release release;
        return distributed::collective_for(parse_device(device)).description();
      },
      py::arg("device"),
      "Makes the collective for tensors on `device` (NCCL's communicator for a CUDA device, bootstrapped over "
      "MPI; every process calls it together) and returns its description.");
  m.def(
      "abort",
      [](int code, const std::string& message) {
        py::gil_scoped_release release;
        distributed::abort_job(code, message);
      },
      py::arg("code"), py::arg("message"), "Prints `message` and ends every process of the job.");
  m.def("set_timeout", &distributed::set_timeout, py::arg("seconds"),
        "A collective waiting longer than this ends the job (<= 0: wait forever).");
  m.def("timeout", &distributed::timeout);
  m.def("set_device_library_candidates", &distributed::set_device_library_candidates, py::arg("candidates"),
        "The NCCL libraries to try, in order, when a CUDA collective is first made.");
}

}  // namespace dagnet
