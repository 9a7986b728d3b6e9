/*
 * test_openapi.c — the OpenAPI document and the route table agree: every
 * route is documented with its method, and every documented path and method
 * is a route. A route added without documentation, or documentation of a
 * route that does not exist, fails here; so does a staff route taking a JSON
 * body that does not list the 415 every such route answers to another
 * Content-Type (rk_http_json_body).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "http/server.h"

static json_t *load_doc(void) {
    json_error_t err;
    json_t *doc = json_loadb(rk_openapi_json, rk_openapi_json_len, 0, &err);
    if (!doc)
        fail_msg("openapi.json line %d: %s", err.line, err.text);
    return doc;
}

static void lower(const char *in, char *out, size_t n) {
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

static void document_is_openapi_31(void **state) {
    (void)state;
    json_t *doc = load_doc();
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    assert_true(json_is_object(json_object_get(doc, "paths")));
    json_decref(doc);
}

static void every_route_is_documented(void **state) {
    (void)state;
    json_t *doc = load_doc();
    json_t *paths = json_object_get(doc, "paths");
    const char *method, *path;
    for (size_t i = 0; rk_http_route(i, &method, &path); i++) {
        char m[16];
        lower(method, m, sizeof m);
        json_t *item = json_object_get(paths, path);
        if (!item || !json_object_get(item, m))
            fail_msg("route %s %s is not in src/http/openapi.json", method, path);
    }
    json_decref(doc);
}

static void every_documented_route_exists(void **state) {
    (void)state;
    json_t *doc = load_doc();
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item) {
        const char *key;
        json_t *op;
        json_object_foreach(item, key, op) {
            if (strcmp(key, "parameters") == 0 || strcmp(key, "summary") == 0)
                continue;
            bool found = false;
            const char *method, *rpath;
            for (size_t i = 0; !found && rk_http_route(i, &method, &rpath); i++) {
                char m[16];
                lower(method, m, sizeof m);
                found = strcmp(rpath, path) == 0 && strcmp(m, key) == 0;
            }
            if (!found)
                fail_msg("documented %s %s is not a route", key, path);
        }
    }
    json_decref(doc);
}

/* Every /api/v1 operation with a JSON body lists 415 (body.c refuses other media types). */
static void json_bodies_list_415(void **state) {
    (void)state;
    json_t *doc = load_doc();
    const char *path;
    json_t *item;
    size_t n = 0;
    json_object_foreach(json_object_get(doc, "paths"), path, item) {
        if (strncmp(path, "/api/v1/", 8) != 0)
            continue;
        const char *key;
        json_t *op;
        json_object_foreach(item, key, op) {
            json_t *content = json_object_get(json_object_get(op, "requestBody"), "content");
            if (!json_object_get(content, "application/json"))
                continue;
            n++;
            json_t *r = json_object_get(json_object_get(op, "responses"), "415");
            const char *ref = json_string_value(json_object_get(r, "$ref"));
            if (!ref || strcmp(ref, "#/components/responses/UnsupportedMediaType") != 0)
                fail_msg("%s %s takes JSON but does not list 415 UnsupportedMediaType", key, path);
        }
    }
    assert_int_equal(n, 20); /* the staff routes with a JSON body */
    assert_non_null(json_object_get(
        json_object_get(json_object_get(doc, "components"), "responses"), "UnsupportedMediaType"));
    json_decref(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(document_is_openapi_31),
        cmocka_unit_test(every_route_is_documented),
        cmocka_unit_test(every_documented_route_exists),
        cmocka_unit_test(json_bodies_list_415),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
