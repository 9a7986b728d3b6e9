# embed_migrations.cmake — writes OUT, a C file holding every migration in
# FILES (src/store/migrations/NNNN_name.sql, in order) as rk_migrations[].
# Run by the build: cmake -DOUT=... -DFILES=... -P embed_migrations.cmake
string(REPLACE "," ";" FILES "${FILES}") # the build passes the list joined with commas
set(body "/* Generated from src/store/migrations/ by embed_migrations.cmake; do not edit. */\n")
string(APPEND body "#include \"store/migrations.h\"\n\n")
set(table "")
set(n 0)
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WE)
  string(REGEX MATCH "^[0-9]+" num ${name})
  math(EXPR version "${num}")
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const unsigned char m${n}[] = {${bytes}0};\n")
  string(APPEND table "    {${version}, \"${name}\", (const char *)m${n}},\n")
  math(EXPR n "${n} + 1")
endforeach()
string(APPEND body "\nconst struct rk_migration rk_migrations[] = {\n${table}    {0, 0, 0}};\n")
string(APPEND body "const size_t rk_nmigrations = ${n};\n")
file(WRITE ${OUT} "${body}")
