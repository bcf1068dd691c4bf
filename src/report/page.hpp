#pragma once
// What the HTML pages (search report, explanations) share: one stylesheet, the document's head.

#include <string>

namespace cpnas {

/// "<!DOCTYPE html>...<body>": the head with `title` and the shared inline stylesheet.
std::string page_start(const std::string& title);

}  // namespace cpnas
