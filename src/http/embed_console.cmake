# embed_console.cmake — writes OUT, a C file holding the console's assets (web/console/):
# each of ASSETS (a comma-separated list of files) under a content-hashed name
# (console.js -> console.<first 12 hex of its SHA-256>.js), and the app shell SHELL
# (index.html) with every "{{name}}" of an asset replaced by its hashed path. Run by the
# build: cmake -DOUT=... -DSHELL=... -DASSETS=a,b -P embed_console.cmake
string(REPLACE "," ";" assets "${ASSETS}")
file(READ ${SHELL} shell)
set(table "")
set(defs "")
set(i 0)
foreach(f ${assets})
  get_filename_component(name ${f} NAME)
  get_filename_component(stem ${f} NAME_WE)
  get_filename_component(ext ${f} LAST_EXT)
  file(SHA256 ${f} sum)
  string(SUBSTRING ${sum} 0 12 short)
  set(path "/console/assets/${stem}.${short}${ext}")
  if(ext STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  elseif(ext STREQUAL ".svg")
    set(type "image/svg+xml")
  else()
    message(FATAL_ERROR "embed_console.cmake: no media type for ${name}")
  endif()
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND defs "static const unsigned char a${i}[] = {${bytes}0};\n")
  string(APPEND table "    {\"${name}\", \"${path}\", \"${type}\", (const char *)a${i}, sizeof a${i} - 1},\n")
  string(REPLACE "{{${name}}}" "${path}" shell "${shell}")
  math(EXPR i "${i} + 1")
endforeach()
string(HEX "${shell}" hex)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}.tmp "/* Generated from web/console/ by embed_console.cmake; do not edit. */\n"
     "#include <stddef.h>\n#include \"http/console.h\"\n${defs}"
     "const struct rk_console_file rk_console_files[] = {\n${table}};\n"
     "const size_t rk_console_nfiles = sizeof rk_console_files / sizeof rk_console_files[0];\n"
     "static const unsigned char shell[] = {${bytes}0};\n"
     "const char *const rk_console_shell = (const char *)shell;\n"
     "const size_t rk_console_shell_len = sizeof shell - 1;\n")
file(RENAME ${OUT}.tmp ${OUT})
