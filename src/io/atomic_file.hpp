#pragma once
// Replacing a file so that a crash, a node failure or a full disk leaves either the old file or
// the new one, never a mix: write PATH.tmp, fsync it, rename it over PATH, fsync the directory.

#include <functional>
#include <ostream>
#include <string>

namespace cpnas {

/// The steps of a replacement, in order.
enum class ReplaceStep { written, synced, renamed, directory_synced };

/// Writes `path` through `write`, which creates the file named by its argument (PATH.tmp).
/// On any error the temporary file is removed, `path` is untouched, and the Error names `kind`
/// and `path` ("model 'x.h5': ...").
void replace_file(const std::string& path, const std::string& kind,
                  const std::function<void(const std::string& tmp)>& write);

/// replace_file() for text written to a stream.
void write_text_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

/// Appends `text` to `path` (creating it), in one write.
void append_text(const std::string& path, const std::string& text);

/// For tests: called after each step of every replacement in this process (nullptr: none), so a
/// test can kill or fail a writer between the steps.
void set_replace_hook(std::function<void(ReplaceStep)> hook);

}  // namespace cpnas
