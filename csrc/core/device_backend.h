// What the engine needs from a device, behind one interface so graph/ never names CUDA:
// memory (its Allocator), copies and fills, and per-executor execution contexts (a stream,
// library handles, the device error record). The CPU backend is built in; the CUDA backend
// (cuda/cuda_backend.cu) registers itself from init_engine() when it is compiled in, and
// reports zero devices on a machine without a GPU or driver.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/device.h"

namespace dagnet {

// The first bad-data report of a run, written by kernels into device memory and read by
// the executor once (see KernelContext::report_error). code 0 = no error.
struct DeviceError {
  int32_t code = 0;       // op-specific, nonzero (e.g. kErrorIndexOutOfRange)
  int32_t step = -1;      // the plan step whose kernel reported it
  int64_t position = 0;   // flat element index of the offending value
  int64_t int_value = 0;  // the value, for integer data
  double float_value = 0; // the value, for float data
  int64_t bound = 0;      // the valid range's end, [0, bound)
};
constexpr int32_t kErrorIndexOutOfRange = 1;
constexpr int32_t kErrorLabelOutOfRange = 2;

// Work recorded once from a stream (a CUDA Graph) and replayed on that stream: the same
// kernels on the same pointers, launched as one unit instead of one call per kernel.
class CapturedWork {
 public:
  virtual ~CapturedWork() = default;
  virtual void replay() = 0;
};

// One executor's handle on its device: the stream its kernels are issued on, library
// handles, and the error record. Kernels see it through KernelContext::device.
class DeviceContext {
 public:
  virtual ~DeviceContext() = default;
  Device device;
  void* stream = nullptr;        // cudaStream_t on CUDA; null on the CPU (kernels run inline)
  void* blas = nullptr;          // cublasHandle_t on CUDA
  DeviceError* error = nullptr;  // device memory kernels write through report_error
  // Waits for everything issued on the stream.
  virtual void synchronize() = 0;
  // Reads the error record (host copy) and clears it on the device.
  virtual DeviceError take_error() = 0;
  // True when kernels ran to completion on return (the CPU): the executor then checks the
  // error record after every kernel, so a bad index stops the step before later nodes run.
  virtual bool synchronous() const = 0;
  // Capture: kernels issued between begin_capture and end_capture are recorded, not run.
  // end_capture returns the recorded work, or null when the device cannot record it (the
  // work then did not run: the caller runs it directly). abort_capture ends a capture that
  // a thrown error cut short, dropping what was recorded. The CPU records nothing.
  virtual bool can_capture() const { return false; }
  virtual void begin_capture() {}
  virtual std::unique_ptr<CapturedWork> end_capture() { return nullptr; }
  virtual void abort_capture() {}
};

class DeviceBackend {
 public:
  virtual ~DeviceBackend() = default;
  virtual DeviceType type() const = 0;
  virtual int device_count() const = 0;
  virtual Allocator& allocator(int index) = 0;
  // Copies between this backend's devices and the host (either side may be the host).
  // `stream` null: synchronous. Otherwise ordered on that stream.
  virtual void copy(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes, void* stream) = 0;
  virtual void fill_zero(void* dst, size_t bytes, int index, void* stream) = 0;
  virtual std::unique_ptr<DeviceContext> make_context(int index) = 0;
  // Bytes in use / cached by the allocator (for tests of flat memory).
  virtual size_t bytes_in_use(int index) = 0;
};

// The CPU backend is always there; others are registered at init (runtime/init.cpp).
void register_backend(std::unique_ptr<DeviceBackend> backend);
// The backend serving `type`, or null when none is compiled in.
DeviceBackend* find_backend(DeviceType type);
// The backend serving `device`; a Value error when it is not available on this machine.
DeviceBackend& backend_for(Device device);
// Devices usable now, e.g. {cpu, cuda:0}.
std::vector<Device> available_device_list();

}  // namespace dagnet
