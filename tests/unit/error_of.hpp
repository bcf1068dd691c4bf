#pragma once
// The message of the cpnas::Error that `f` throws, or "(no error)".

#include <functional>
#include <string>

#include "io/error.hpp"

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const cpnas::Error& e) {
    return e.what();
  }
  return "(no error)";
}
