#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/error.hpp"

namespace cpnas {
namespace {

std::function<void(ReplaceStep)>& hook() {
  static std::function<void(ReplaceStep)> h;
  return h;
}

void reached(ReplaceStep step) {
  if (hook()) hook()(step);
}

// fsync through a descriptor of its own: the writers (HDF5, streams) have closed theirs.
void sync(const std::string& path, int flags, const char* what) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw Error(std::string("cannot open ") + what + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems cannot sync a directory (EINVAL); the rename is then as durable as it gets.
  if (rc != 0 && !(error == EINVAL && (flags & O_DIRECTORY))) {
    throw Error(std::string("cannot sync ") + what + ": " + std::strerror(error));
  }
}

std::string directory_of(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

}  // namespace

void replace_file(const std::string& path, const std::string& kind,
                  const std::function<void(const std::string& tmp)>& write) {
  const std::string tmp = path + ".tmp";
  try {
    write(tmp);
    reached(ReplaceStep::written);
    sync(tmp, O_RDONLY, "the written file");
    reached(ReplaceStep::synced);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw Error(std::string("cannot move the written file into place: ") + std::strerror(errno));
    }
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    const std::string what = e.what();
    // Writers below name the temporary file; the user knows the file by its own name.
    if (what.find("'" + path) != std::string::npos) throw;
    throw Error(kind + " '" + path + "': " + what);
  }
  reached(ReplaceStep::renamed);
  try {
    sync(directory_of(path), O_RDONLY | O_DIRECTORY, "its directory");
  } catch (const Error& e) {
    throw Error(kind + " '" + path + "': " + e.what());
  }
  reached(ReplaceStep::directory_synced);
}

void write_text_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  replace_file(path, "file", [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw Error("cannot write '" + path + "': " + std::strerror(errno));
    write(out);
    if (!out.flush()) throw Error("cannot write '" + path + "' (disk full?)");
  });
}

void append_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) throw Error("'" + path + "': cannot open to append: " + std::strerror(errno));
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int error = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    throw Error("'" + path + "': cannot append: " + (n < 0 ? std::strerror(error) : "disk full?"));
  }
}

void set_replace_hook(std::function<void(ReplaceStep)> h) {
  hook() = std::move(h);
}

}  // namespace cpnas
