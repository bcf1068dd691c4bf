#pragma once
// A hash of a file's (or a text's) contents, to tell when a file was rebuilt or replaced.

#include <string>

namespace cpnas {

/// 64-bit FNV-1a of the file's bytes, as 16 hex digits. Not cryptographic: it tells files apart,
/// it does not authenticate them. Throws cpnas::Error naming an unreadable file.
std::string file_hash(const std::string& path);

/// The same hash of a text: equal to file_hash() of a file holding exactly `text`.
std::string text_hash(const std::string& text);

}  // namespace cpnas
