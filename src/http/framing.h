/*
 * framing.h — whether a request's head says in exactly one way where the
 * request ends. Behind a proxy, a head that two HTTP parsers can read
 * differently (two Content-Length fields, Content-Length beside
 * Transfer-Encoding, a bare CR, a NUL byte) lets the bytes after it be taken
 * as a second, hidden request. The service checks every head here before
 * anything else and refuses an ambiguous one with one 400 (501 for a transfer
 * coding it does not implement), closing the connection. Pure: no
 * libmicrohttpd here, so that the rules can be unit-tested and fuzzed.
 */
#ifndef RK_HTTP_FRAMING_H
#define RK_HTTP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

/* One header field line as the HTTP library parsed it. */
struct rk_http_field {
    const char *name;
    size_t name_len;
    const char *value; /* after the optional whitespace that follows the colon */
    size_t value_len;
    /* Offsets from the request line's first byte to this line's name and to its value,
     * when the head's layout is known (rk_http_head.bytes). */
    size_t at, value_at;
};

/* A request head: the request line and the header fields in the order received. */
struct rk_http_head {
    const char *method;  /* as received */
    const char *version; /* "HTTP/1.1" */
    const char *target;  /* the request target as received, before any decoding; NULL: none */
    size_t target_len;
    const struct rk_http_field *fields;
    size_t nfields;
    /* The layout, when the HTTP library parses the head in place: bytes is the head as the
     * library left it (each line end overwritten with NULs), size its length from the request
     * line's first byte to the end of the empty line that closes the head, target_at and
     * version_at the offsets of the target and the version. bytes NULL: not known, and the
     * layout is not checked. */
    const char *bytes;
    size_t size, target_at, version_at;
};

/* What was wrong: status 400 or 501, a stable code and a sentence for the client. */
struct rk_http_verdict {
    int status;
    const char *code;
    const char *reason; /* static; never repeats anything from the request */
};

/*
 * Whether the head frames its request in exactly one way (the rules are in
 * framing.c's design comment). True when it does; otherwise false with the
 * refusal in *out. Reads only what h points to.
 */
bool rk_http_framing_ok(const struct rk_http_head *h, struct rk_http_verdict *out);

struct MHD_Connection;
struct rk_http_request;
/*
 * framing.c: whether the head of c's request frames it in exactly one way,
 * read out of libmicrohttpd on the handler's first call: the fields with
 * their lengths, and where each part lay in the head. False with the refusal
 * in *out (500 when memory runs out).
 */
bool rk_http_head_ok(struct MHD_Connection *c, const char *method, const char *version,
                     const struct rk_http_request *r, struct rk_http_verdict *out);

#endif
