/*
 * test_console.c — the console's embedded assets and page shell (http/console.c):
 * every asset is found under a content-hashed name and only there, the app shell
 * names the hashed assets and nothing else is left to fill in but the language,
 * and the server-rendered page shell escapes its title, links the stylesheet and
 * carries the skip link, one h1 and no inline script or style.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "http/console.h"
#include "util/buf.h"

/* Whether path is "/console/assets/<stem>.<12 hex>.<ext>". */
static bool hashed(const char *path, const char *stem, const char *ext) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "/console/assets/%s.", stem);
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return false;
    for (size_t i = 0; i < 12; i++)
        if (!isxdigit((unsigned char)path[n + i]) || isupper((unsigned char)path[n + i]))
            return false;
    return path[n + 12] == '.' && strcmp(path + n + 13, ext) == 0;
}

static void assets_have_hashed_names(void **state) {
    (void)state;
    const char *js = rk_console_asset("console.js"), *css = rk_console_asset("console.css");
    assert_non_null(js);
    assert_non_null(css);
    assert_true(hashed(js, "console", "js"));
    assert_true(hashed(css, "console", "css"));
    assert_null(rk_console_asset("index.html"));
    assert_null(rk_console_asset("nothing.js"));
    assert_null(rk_console_asset(NULL));
}

static void assets_are_found_by_their_path_only(void **state) {
    (void)state;
    for (size_t i = 0; i < rk_console_nfiles; i++) {
        const struct rk_console_file *f = rk_console_file_at(rk_console_files[i].path);
        assert_ptr_equal(f, &rk_console_files[i]);
        assert_true(f->len > 0);
        assert_int_equal(strlen(f->data), f->len);
    }
    assert_null(rk_console_file_at("/console/assets/console.js")); /* the unhashed name */
    assert_null(rk_console_file_at("/console/assets/console.000000000000.js"));
    assert_null(rk_console_file_at(NULL));
    const struct rk_console_file *js = rk_console_file_at(rk_console_asset("console.js"));
    assert_string_equal(js->type, "text/javascript; charset=utf-8");
    /* No eval in any form (the CSP forbids it; the console must not need it). */
    assert_null(strstr(js->data, "eval("));
    assert_null(strstr(js->data, "new Function"));
    assert_null(strstr(js->data, "innerHTML"));
}

static void shell_names_the_hashed_assets(void **state) {
    (void)state;
    assert_int_equal(strlen(rk_console_shell), rk_console_shell_len);
    assert_non_null(strstr(rk_console_shell, rk_console_asset("console.js")));
    assert_non_null(strstr(rk_console_shell, rk_console_asset("console.css")));
    assert_null(strstr(rk_console_shell, "{{console."));
    assert_null(strstr(rk_console_shell, "<script>"));
    assert_null(strstr(rk_console_shell, "style="));
    assert_null(strstr(rk_console_shell, "<style"));
    struct rk_buf b;
    rk_buf_init(&b);
    rk_console_shell_render(&b, RK_LANG_EN);
    assert_int_equal(rk_buf_status(&b), RK_OK);
    assert_non_null(strstr(b.data, "<html lang=\"en\">"));
    assert_null(strstr(b.data, "{{"));
    rk_buf_reset(&b);
    rk_console_shell_render(&b, RK_LANG_FI);
    assert_non_null(strstr(b.data, "<html lang=\"fi\">"));
    rk_buf_cleanup(&b);
}

static void page_shell_escapes_and_links_the_stylesheet(void **state) {
    (void)state;
    struct rk_buf b;
    rk_buf_init(&b);
    rk_console_page_begin(&b, RK_LANG_FI, "Kirjaudu <sisään> & \"jatka\"");
    rk_buf_puts(&b, "<p>x</p>\n");
    rk_console_page_end(&b, RK_LANG_FI);
    assert_int_equal(rk_buf_status(&b), RK_OK);
    const char *p = b.data;
    assert_non_null(strstr(p, "<html lang=\"fi\">"));
    assert_non_null(strstr(p, "<title>Kirjaudu &lt;sisään&gt; &amp; &quot;jatka&quot;</title>"));
    assert_non_null(strstr(p, "<h1>Kirjaudu &lt;sisään&gt; &amp; &quot;jatka&quot;</h1>"));
    assert_null(strstr(p, "<sisään>"));
    char link[128];
    snprintf(link, sizeof link, "<link rel=\"stylesheet\" href=\"%s\">",
             rk_console_asset("console.css"));
    assert_non_null(strstr(p, link));
    assert_non_null(strstr(p, "<a class=\"skip\" href=\"#main\">Siirry sisältöön</a>"));
    assert_non_null(strstr(p, "<main id=\"main\""));
    assert_non_null(strstr(p, "href=\"?lang=en\""));
    assert_null(strstr(strstr(p, "<h1>") + 1, "<h1>")); /* one h1 */
    assert_null(strstr(p, "<script"));
    assert_null(strstr(p, "style="));
    const char *end = "</main>\n</body>\n</html>\n";
    assert_string_equal(p + b.len - strlen(end), end);
    rk_buf_reset(&b);
    rk_console_page_begin(&b, RK_LANG_EN, "Sign in");
    assert_non_null(strstr(b.data, "<html lang=\"en\">"));
    assert_non_null(strstr(b.data, ">Skip to content</a>"));
    assert_non_null(strstr(b.data, "href=\"?lang=fi\""));
    rk_buf_cleanup(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(assets_have_hashed_names),
        cmocka_unit_test(assets_are_found_by_their_path_only),
        cmocka_unit_test(shell_names_the_hashed_assets),
        cmocka_unit_test(page_shell_escapes_and_links_the_stylesheet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
