# Turn a binary file into a C source defining a byte array.
#   cmake -DINPUT=file.bin -DOUTPUT=file.c -DSYMBOL=name -P embed.cmake
# Defines `const uint8_t SYMBOL_image[]` and `const size_t SYMBOL_size`.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Twelve bytes per line keeps the generated file readable.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){12})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "/* Generated from ${INPUT} by cmake/embed.cmake. */\n"
  "#include <stddef.h>\n#include <stdint.h>\n\n"
  "const uint8_t ${SYMBOL}_image[] = {\n    ${bytes}\n};\n"
  "const size_t ${SYMBOL}_size = ${size};\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
