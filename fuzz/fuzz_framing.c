/*
 * fuzz_framing.c — libFuzzer target for the framing check (rk_http_framing_ok,
 * src/http/framing.c). The input is a raw request head, parsed as
 * libmicrohttpd 0.9.75 parses it (mhd_head.h); the check must not crash, must
 * give a status and a reason with every refusal, and must refuse every head
 * that holds a bare CR, a NUL byte followed in its line by anything but NULs
 * and the line end (NULs alone leave no trace in the library's parse), two
 * Content-Length fields, or Content-Length beside Transfer-Encoding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "http/framing.h"
#include "mhd_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the head's own bytes hold something that must be refused: a bare CR, a byte other
 * than NUL after a NUL in a line, two Content-Lengths, Content-Length beside Transfer-Encoding. */
static bool must_refuse(const uint8_t *data, const struct mhd_head *m) {
    const uint8_t *p = data + m->start, *end = p + m->head.size;
    bool after_nul = false;
    for (; p < end; p++) {
        bool line_end = *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n');
        if (*p == '\n')
            after_nul = false;
        else if (*p == '\0')
            after_nul = true;
        else if ((*p == '\r' && !line_end) || (after_nul && !line_end))
            return true;
    }
    size_t lengths = 0, codings = 0;
    for (size_t i = 0; i < m->head.nfields; i++) {
        lengths += strcasecmp(m->fields[i].name, "Content-Length") == 0;
        codings += strcasecmp(m->fields[i].name, "Transfer-Encoding") == 0;
    }
    return lengths > 1 || (lengths && codings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct mhd_head m;
    if (!mhd_head_parse(data, size, &m))
        return 0; /* the library answers it itself */
    struct rk_http_verdict v = {0, NULL, NULL};
    bool ok = rk_http_framing_ok(&m.head, &v);
    if (!ok && ((v.status != 400 && v.status != 501) || !v.code || !v.reason))
        __builtin_trap();
    if (ok && must_refuse(data, &m))
        __builtin_trap();
    free(m.buf);
    return 0;
}
