//===- InputFile.cpp - Bounded reads of user-named files ------------------===//

#include "AoiZora/Support/InputFile.h"

#include "AoiZora/Support/Limits.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace aoizora {

static Error fileError(StringRef what, StringRef path, const Twine &reason) {
  return createStringError(inconvertibleErrorCode(), "cannot read " + what +
                                                         " '" + path +
                                                         "': " + reason);
}

static StringRef describeType(sys::fs::file_type type) {
  switch (type) {
  case sys::fs::file_type::directory_file:
    return "a directory";
  case sys::fs::file_type::fifo_file:
    return "a FIFO";
  case sys::fs::file_type::character_file:
    return "a character device";
  case sys::fs::file_type::block_file:
    return "a block device";
  case sys::fs::file_type::socket_file:
    return "a socket";
  default:
    return "not a regular file";
  }
}

Expected<std::unique_ptr<MemoryBuffer>>
readInputFile(StringRef path, uint64_t maxBytes, StringRef what) {
  // Check the path before opening it: opening a FIFO blocks until a writer
  // appears. Then check the descriptor again, so the read file is a checked
  // one even if the path changed in between.
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status))
    return fileError(what, path, ec.message());
  if (status.type() != sys::fs::file_type::regular_file)
    return fileError(what, path,
                     "it is " + describeType(status.type()) +
                         ", only regular files are read");
  Expected<sys::fs::file_t> fd = sys::fs::openNativeFileForRead(path);
  if (!fd)
    return fileError(what, path, toString(fd.takeError()));
  scope_exit closeFile([&] { sys::fs::closeFile(*fd); });
  if (std::error_code ec = sys::fs::status(*fd, status))
    return fileError(what, path, ec.message());
  if (status.type() != sys::fs::file_type::regular_file)
    return fileError(what, path,
                     "it is " + describeType(status.type()) +
                         ", only regular files are read");
  if (status.getSize() > maxBytes)
    return fileError(what, path,
                     "it has " + Twine(status.getSize()) +
                         " bytes, more than the limit of " + Twine(maxBytes));
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getOpenFile(*fd, path, status.getSize());
  if (!buffer)
    return fileError(what, path, buffer.getError().message());
  return std::move(*buffer);
}

Error checkJsonNesting(StringRef text) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limits::kMaxNestingDepth)
        return createStringError(inconvertibleErrorCode(),
                                 "JSON nests deeper than " +
                                     Twine(limits::kMaxNestingDepth) +
                                     " levels (at byte " + Twine(i) + ")");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return Error::success();
}

Expected<std::unique_ptr<MemoryBuffer>> readJsonFile(StringRef path,
                                                     StringRef what) {
  Expected<std::unique_ptr<MemoryBuffer>> buffer =
      readInputFile(path, limits::kMaxJsonFileBytes, what);
  if (!buffer)
    return buffer.takeError();
  if (Error err = checkJsonNesting((*buffer)->getBuffer()))
    return fileError(what, path, toString(std::move(err)));
  return buffer;
}

} // namespace aoizora
