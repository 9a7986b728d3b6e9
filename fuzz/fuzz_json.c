/*
 * fuzz_json.c — libFuzzer target for the service's JSON request-body parser
 * (rk_json_parse in src/http/body.c). Any bytes must be parsed or refused
 * without crash, hang or leak; a refusal must say where ("line L, column
 * C"); an accepted document must respect the limits and hold only texts that
 * follow the text rule (base/normalize.h), and jansson's rendering
 * of it must parse back to an equal document.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/normalize.h"
#include "http/body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t depth_of(const json_t *v, size_t *values) {
    (*values)++;
    size_t d = 0, i;
    const char *k;
    json_t *m;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, m) {
            if (strlen(k) > RK_JSON_MAX_STRING)
                __builtin_trap();
            size_t x = depth_of(m, values);
            d = x > d ? x : d;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, m) {
            size_t x = depth_of(m, values);
            d = x > d ? x : d;
        }
        return d + 1;
    }
    if (json_is_string(v) && json_string_length(v) > RK_JSON_MAX_STRING)
        __builtin_trap();
    if (json_is_string(v) && rk_text_fault(json_string_value(v), json_string_length(v), true))
        __builtin_trap(); /* every text follows the text rule */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_error err = RK_ERROR_INIT;
    json_t *doc = NULL;
    rk_err rc = rk_json_parse((const char *)data, size, &doc, &err);
    if (rc == RK_ENOMEM)
        return 0;
    if (rc != RK_OK) {
        if (doc || strncmp(err.message, "line ", 5) != 0 || !strstr(err.message, ", column ") ||
            strlen(err.message) >= RK_JSON_ERR_MAX)
            __builtin_trap(); /* every refusal names its place */
        return 0;
    }
    size_t values = 0;
    if (depth_of(doc, &values) > RK_JSON_MAX_DEPTH || values > RK_JSON_MAX_VALUES)
        __builtin_trap();
    char *text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text) {
        json_t *again = NULL;
        if (rk_json_parse(text, strlen(text), &again, &err) == RK_OK) {
            if (!json_equal(doc, again))
                __builtin_trap(); /* the round trip changed the document */
            json_decref(again);
        } else if (strlen(text) < 4096) {
            __builtin_trap(); /* jansson's own rendering is refused */
        }
        free(text);
    }
    json_decref(doc);
    return 0;
}
