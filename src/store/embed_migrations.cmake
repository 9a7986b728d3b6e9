# embed_migrations.cmake — writes OUT, a C file holding every migration in
# FILES (src/store/migrations/NNNN_name.sql, or migrations/pg/ for
# PostgreSQL, in order) as the table VAR[] (rk_migrations unless given) and
# its length VAR_n... (rk_nmigrations, rk_pg_nmigrations).
# Run by the build: cmake -DOUT=... -DFILES=... [-DVAR=rk_pg_migrations] -P embed_migrations.cmake
if(NOT VAR)
  set(VAR rk_migrations)
endif()
string(REPLACE "_migrations" "_nmigrations" NVAR "${VAR}")
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
string(APPEND body "\nconst struct rk_migration ${VAR}[] = {\n${table}    {0, 0, 0}};\n")
string(APPEND body "const size_t ${NVAR} = ${n};\n")
file(WRITE ${OUT} "${body}")
