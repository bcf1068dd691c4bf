#pragma once
// A thin layer over the HDF5 C API: owned handles, typed datasets, string arrays, attributes.
// Every failure throws cpnas::Error naming the file and the object.

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace cpnas::h5 {

/// Held by every call of this wrapper into HDF5. Rank 0 writes search.h5 from its scheduler
/// thread while its worker writes checkpoints and model files, and the HDF5 builds of many sites
/// (every parallel HDF5) are not thread-safe: one process-wide lock makes that safe everywhere.
std::unique_lock<std::recursive_mutex> lock_library();

/// The HDF5 library's version and whether it was built thread-safe, for the log.
std::string describe_library();

/// An HDF5 identifier closed by the matching H5?close when it goes out of scope.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t get() const { return id_; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

template <class T>
struct Array {
  std::vector<hsize_t> dims;
  std::vector<T> data;
};

class File {
 public:
  /// Opens for reading; a missing file, or one that is not HDF5, is an Error naming it.
  static File open(const std::string& path);
  /// Creates (truncating) for writing.
  static File create(const std::string& path);

  const std::string& path() const { return path_; }
  bool has(const std::string& name) const;

  void write(const std::string& name, const std::vector<hsize_t>& dims, const float* data);
  void write(const std::string& name, const std::vector<hsize_t>& dims, const double* data);
  void write(const std::string& name, const std::vector<hsize_t>& dims, const int32_t* data);
  void write(const std::string& name, const std::vector<hsize_t>& dims, const int64_t* data);
  void write(const std::string& name, const std::vector<hsize_t>& dims, const int8_t* data);
  void write_strings(const std::string& name, const std::vector<std::string>& values);

  Array<float> read_float(const std::string& name) const;
  Array<double> read_double(const std::string& name) const;
  Array<int32_t> read_int32(const std::string& name) const;
  Array<int64_t> read_int64(const std::string& name) const;
  Array<int8_t> read_int8(const std::string& name) const;
  std::vector<std::string> read_strings(const std::string& name) const;

  /// Attributes of the root group (or of `object` when given).
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, double value);
  void set_attribute(const std::string& name, int64_t value);
  bool has_attribute(const std::string& name) const;
  std::string string_attribute(const std::string& name) const;
  double double_attribute(const std::string& name) const;
  int64_t int_attribute(const std::string& name) const;

  /// Makes a group (and its parents) so that "a/b/c" names can be written.
  void ensure_group(const std::string& name);

 private:
  template <class T>
  Array<T> read(const std::string& name, hid_t mem_type) const;
  void write_raw(const std::string& name, const std::vector<hsize_t>& dims, hid_t file_type,
                 hid_t mem_type, const void* data);
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  Handle file_;
};

/// Writes a new file through `write` with replace_file() (io/atomic_file.hpp), so a reader or a
/// crash never sees half a file. `kind` names the file in errors ("model", "checkpoint").
void write_atomically(const std::string& path, const std::string& kind,
                      const std::function<void(File&)>& write);

}  // namespace cpnas::h5
