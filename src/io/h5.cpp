#include "io/h5.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>

#include "io/atomic_file.hpp"
#include "io/error.hpp"

namespace cpnas::h5 {
namespace {

// HDF5 prints its error stack to stderr by default; cpnas reports errors itself.
void silence_hdf5() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace

std::unique_lock<std::recursive_mutex> lock_library() {
  static std::recursive_mutex mutex;
  return std::unique_lock<std::recursive_mutex>(mutex);
}

std::string describe_library() {
  const auto lock = lock_library();
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  hbool_t safe = 0;
  H5is_library_threadsafe(&safe);
  return "HDF5 " + std::to_string(major) + "." + std::to_string(minor) + "." +
         std::to_string(release) + (safe ? ", thread-safe build" : ", not thread-safe") +
         "; cpnas serialises its calls";
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    const auto lock = lock_library();
    if (id_ >= 0 && close_) close_(id_);
    id_ = other.id_;
    close_ = other.close_;
    other.id_ = -1;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ < 0 || !close_) return;
  const auto lock = lock_library();
  close_(id_);
}

void File::fail(const std::string& what) const {
  throw Error("'" + path_ + "': " + what);
}

File File::open(const std::string& path) {
  const auto lock = lock_library();
  silence_hdf5();
  File f;
  f.path_ = path;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) f.fail("no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) f.fail("not an HDF5 file (truncated or another format)");
  f.file_ = Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (f.file_.get() < 0) f.fail("cannot open as HDF5 (corrupt or truncated)");
  return f;
}

File File::create(const std::string& path) {
  const auto lock = lock_library();
  silence_hdf5();
  File f;
  f.path_ = path;
  f.file_ = Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (f.file_.get() < 0) f.fail("cannot create (check the directory exists and is writable)");
  return f;
}

bool File::has(const std::string& name) const {
  const auto lock = lock_library();
  // H5Lexists needs every parent link to exist, so check the path one level at a time.
  size_t at = 0;
  while (true) {
    at = name.find('/', at + 1);
    const std::string prefix = name.substr(0, at);
    if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (at == std::string::npos) return true;
  }
}

void File::ensure_group(const std::string& name) {
  const auto lock = lock_library();
  size_t at = 0;
  while (at != std::string::npos) {
    at = name.find('/', at + 1);
    const std::string prefix = name.substr(0, at);
    if (!has(prefix)) {
      Handle g(H5Gcreate2(file_.get(), prefix.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Gclose);
      if (g.get() < 0) fail("cannot create group " + prefix);
    }
  }
}

void File::write_raw(const std::string& name, const std::vector<hsize_t>& dims, hid_t file_type,
                     hid_t mem_type, const void* data) {
  const auto lock = lock_library();
  const auto slash = name.rfind('/');
  if (slash != std::string::npos && slash > 0) ensure_group(name.substr(0, slash));
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle set(H5Dcreate2(file_.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT),
             H5Dclose);
  if (set.get() < 0 || H5Dwrite(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    fail("cannot write dataset " + name);
  }
}

// The type macros (H5T_NATIVE_FLOAT, ...) call into the library, so they are evaluated locked.
void File::write(const std::string& name, const std::vector<hsize_t>& dims, const float* data) {
  const auto lock = lock_library();
  write_raw(name, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
}
void File::write(const std::string& name, const std::vector<hsize_t>& dims, const double* data) {
  const auto lock = lock_library();
  write_raw(name, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}
void File::write(const std::string& name, const std::vector<hsize_t>& dims, const int32_t* data) {
  const auto lock = lock_library();
  write_raw(name, dims, H5T_STD_I32LE, H5T_NATIVE_INT32, data);
}
void File::write(const std::string& name, const std::vector<hsize_t>& dims, const int64_t* data) {
  const auto lock = lock_library();
  write_raw(name, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, data);
}
void File::write(const std::string& name, const std::vector<hsize_t>& dims, const int8_t* data) {
  const auto lock = lock_library();
  write_raw(name, dims, H5T_STD_I8LE, H5T_NATIVE_INT8, data);
}

void File::write_strings(const std::string& name, const std::vector<std::string>& values) {
  const auto lock = lock_library();
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  write_raw(name, {values.size()}, type.get(), type.get(), pointers.data());
}

template <class T>
Array<T> File::read(const std::string& name, hid_t mem_type) const {
  const auto lock = lock_library();
  if (!has(name)) fail("missing dataset /" + name);
  Handle set(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (set.get() < 0) fail("cannot open dataset /" + name);
  Handle type(H5Dget_type(set.get()), H5Tclose);
  const H5T_class_t expected = H5Tget_class(mem_type);
  if (H5Tget_class(type.get()) != expected) fail("dataset /" + name + " has the wrong type");
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  Array<T> out;
  out.dims.resize(rank < 0 ? 0 : rank);
  H5Sget_simple_extent_dims(space.get(), out.dims.data(), nullptr);
  // A damaged or hostile file may declare any shape: count without wrapping, and refuse what
  // cannot fit in memory before allocating it.
  hsize_t count = 1, bytes = 0;
  for (auto d : out.dims) {
    if (__builtin_mul_overflow(count, d, &count)) {
      fail("dataset /" + name + " " + dims_text(out.dims) + " declares more elements than exist");
    }
  }
  const hsize_t memory = static_cast<hsize_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  if (__builtin_mul_overflow(count, sizeof(T), &bytes) || bytes > memory) {
    fail("dataset /" + name + " " + dims_text(out.dims) + " would need more than this machine's " +
         std::to_string(memory >> 30) + " GiB of memory");
  }
  try {
    out.data.resize(count);
  } catch (const std::bad_alloc&) {
    fail("dataset /" + name + " " + dims_text(out.dims) + ": out of memory reading it");
  }
  if (count > 0 &&
      H5Dread(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data.data()) < 0) {
    fail("cannot read dataset /" + name + " " + dims_text(out.dims) + " (corrupt or truncated)");
  }
  return out;
}

Array<float> File::read_float(const std::string& n) const {
  const auto lock = lock_library();
  return read<float>(n, H5T_NATIVE_FLOAT);
}
Array<double> File::read_double(const std::string& n) const {
  const auto lock = lock_library();
  return read<double>(n, H5T_NATIVE_DOUBLE);
}
Array<int32_t> File::read_int32(const std::string& n) const {
  const auto lock = lock_library();
  return read<int32_t>(n, H5T_NATIVE_INT32);
}
Array<int64_t> File::read_int64(const std::string& n) const {
  const auto lock = lock_library();
  return read<int64_t>(n, H5T_NATIVE_INT64);
}
Array<int8_t> File::read_int8(const std::string& n) const {
  const auto lock = lock_library();
  return read<int8_t>(n, H5T_NATIVE_INT8);
}

std::vector<std::string> File::read_strings(const std::string& name) const {
  const auto lock = lock_library();
  if (!has(name)) fail("missing dataset /" + name);
  Handle set(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle type(H5Dget_type(set.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) fail("dataset /" + name + " is not strings");
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    // Read with the stored type itself: converting between character sets is refused.
    Handle mem(H5Tcopy(type.get()), H5Tclose);
    std::vector<char*> raw(n, nullptr);
    if (n > 0 && H5Dread(set.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
      fail("cannot read dataset /" + name);
    }
    for (char* s : raw) out.emplace_back(s ? s : "");
    if (n > 0) H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, raw.data());
  } else {
    const size_t width = H5Tget_size(type.get());
    std::vector<char> raw(n * width);
    if (n > 0 && H5Dread(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0) {
      fail("cannot read dataset /" + name);
    }
    for (hssize_t i = 0; i < n; ++i) {
      std::string s(raw.data() + i * width, width);
      out.push_back(s.substr(0, s.find('\0')));
    }
  }
  return out;
}

namespace {

Handle attribute_for_write(hid_t file, const std::string& name, hid_t type) {
  if (H5Aexists(file, name.c_str()) > 0) H5Adelete(file, name.c_str());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  return Handle(H5Acreate2(file, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
}

}  // namespace

void File::set_attribute(const std::string& name, const std::string& value) {
  const auto lock = lock_library();
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle attr = attribute_for_write(file_.get(), name, type.get());
  const char* p = value.c_str();
  if (attr.get() < 0 || H5Awrite(attr.get(), type.get(), &p) < 0) fail("cannot write @" + name);
}

void File::set_attribute(const std::string& name, double value) {
  const auto lock = lock_library();
  Handle attr = attribute_for_write(file_.get(), name, H5T_IEEE_F64LE);
  if (attr.get() < 0 || H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    fail("cannot write @" + name);
  }
}

void File::set_attribute(const std::string& name, int64_t value) {
  const auto lock = lock_library();
  Handle attr = attribute_for_write(file_.get(), name, H5T_STD_I64LE);
  if (attr.get() < 0 || H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) < 0) {
    fail("cannot write @" + name);
  }
}

bool File::has_attribute(const std::string& name) const {
  const auto lock = lock_library();
  return H5Aexists(file_.get(), name.c_str()) > 0;
}

std::string File::string_attribute(const std::string& name) const {
  const auto lock = lock_library();
  if (!has_attribute(name)) fail("missing attribute @" + name);
  Handle attr(H5Aopen(file_.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) fail("attribute @" + name + " is not a string");
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(type.get()), H5Tclose);
    char* raw = nullptr;
    if (H5Aread(attr.get(), mem.get(), &raw) < 0) fail("cannot read @" + name);
    std::string value = raw ? raw : "";
    H5free_memory(raw);
    return value;
  }
  std::string raw(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), raw.data()) < 0) fail("cannot read @" + name);
  return raw.substr(0, raw.find('\0'));
}

double File::double_attribute(const std::string& name) const {
  const auto lock = lock_library();
  if (!has_attribute(name)) fail("missing attribute @" + name);
  Handle attr(H5Aopen(file_.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  double value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0)
    fail("attribute @" + name + " is not a number");
  return value;
}

int64_t File::int_attribute(const std::string& name) const {
  const auto lock = lock_library();
  if (!has_attribute(name)) fail("missing attribute @" + name);
  Handle attr(H5Aopen(file_.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  int64_t value = 0;
  if (H5Aread(attr.get(), H5T_NATIVE_INT64, &value) < 0)
    fail("attribute @" + name + " is not an integer");
  return value;
}

void write_atomically(const std::string& path, const std::string& kind,
                      const std::function<void(File&)>& write) {
  replace_file(path, kind, [&](const std::string& tmp) {
    auto f = File::create(tmp);
    write(f);
  });
}

}  // namespace cpnas::h5
