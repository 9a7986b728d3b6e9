# embed_consent.cmake — writes OUT, a C file holding the website's consent manager
# (web/consent/): the script JS as rk_consent_js_template and the stylesheet CSS as
# rk_consent_css (http/consent_script.h). What a visitor's browser downloads is kept small
# (docs/cookies.md: at most 6 KB gzip together): the script loses its full-line // comments
# and its indentation, the stylesheet its /* */ comments and line breaks. Nothing else is
# rewritten, so the served text is the source's. Run by the build:
# cmake -DJS=... -DCSS=... -DOUT=... -P embed_consent.cmake
file(READ ${JS} js)
string(PREPEND js "\n")
string(REGEX REPLACE "\n[ \t]*//[^\n]*" "" js "${js}")
string(REGEX REPLACE "\n[ \t]+" "\n" js "${js}")
string(REGEX REPLACE "^\n" "" js "${js}")
file(READ ${CSS} css)
string(REGEX REPLACE "/\\*[^*]*\\*/" "" css "${css}")
string(REGEX REPLACE "\n+" "" css "${css}")
string(APPEND css "\n")
string(HEX "${js}" jshex)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," jsbytes "${jshex}")
string(HEX "${css}" csshex)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," cssbytes "${csshex}")
file(WRITE ${OUT}.tmp "/* Generated from web/consent/ by embed_consent.cmake; do not edit. */\n"
     "#include <stddef.h>\n"
     "static const unsigned char js[] = {${jsbytes}0};\n"
     "const char *const rk_consent_js_template = (const char *)js;\n"
     "const size_t rk_consent_js_template_len = sizeof js - 1;\n"
     "static const unsigned char css[] = {${cssbytes}0};\n"
     "const char *const rk_consent_css = (const char *)css;\n"
     "const size_t rk_consent_css_len = sizeof css - 1;\n")
file(RENAME ${OUT}.tmp ${OUT})
