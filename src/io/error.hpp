#pragma once
// Errors the user can act on. Messages are one line that names the file or option at fault; the
// CLI prints them as they are and exits non-zero.

#include <stdexcept>
#include <string>

namespace cpnas {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A malformed command line (exit status 2 rather than 1).
class UsageError : public Error {
 public:
  using Error::Error;
};

/// Runs `f`. File readers report "'<path>': <problem>"; an Error from `f` that does not already
/// say what the file is gets "<kind> " in front, e.g. "cohort 'x.h5': no such file".
template <class F>
auto with_file_kind(const std::string& kind, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind(kind + " '", 0) == 0) throw;
    throw Error(kind + " " + what);
  }
}

}  // namespace cpnas
