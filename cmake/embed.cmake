# Usage: cmake -DINPUT=file -DOUTPUT=file.cpp -DNAMESPACE=ns -DFUNCTION=name -P embed.cmake
# Writes a C++ source whose function returns the input file's bytes as a string_view.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT}; do not edit.\n#include <string_view>\n"
  "namespace ${NAMESPACE} {\nnamespace { constexpr char data[] = {${bytes} '\\0'}; }\n"
  "std::string_view ${FUNCTION}() noexcept { return {data, ${size}}; }\n}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
