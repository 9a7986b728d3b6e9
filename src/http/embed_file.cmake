# embed_file.cmake — writes OUT, a C file defining `const char NAME[]` (NUL-terminated)
# with the bytes of IN. Run by the build: cmake -DIN=... -DOUT=... -DNAME=... -P embed_file.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed_file.cmake; do not edit. */\n#include <stddef.h>\n"
     "static const unsigned char bytes[] = {${bytes}0};\n"
     "const char *const ${NAME} = (const char *)bytes;\n"
     "const size_t ${NAME}_len = sizeof bytes - 1;\n")
