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

}  // namespace cpnas
