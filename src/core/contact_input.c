/*
 * contact_input.c — raw (field, text) pairs normalised into a struct
 * rk_contact held with its buffers (contact_input.h).
 */
#include <string.h>

#include "core/contact_input.h"

void rk_contact_input_init(struct rk_contact_input *in) { memset(in, 0, sizeof *in); }

rk_err rk_contact_input_add(struct rk_contact_input *in, enum rk_field f, const char *raw) {
    char *buf = (unsigned)f < RK_F__COUNT ? in->buf[f] : in->buf[0];
    rk_error_clear(&in->error);
    rk_err rc = rk_field_normalize(f, raw, buf, sizeof in->buf[0], &in->error);
    if (rc != RK_OK) {
        in->field = f;
        return rc;
    }
    in->c.v[f] = buf;
    return RK_OK;
}

rk_err rk_contact_input_read(struct rk_contact_input *in, const char *const raw[RK_F__COUNT]) {
    rk_contact_input_init(in);
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (!raw[f])
            continue;
        rk_err rc = rk_contact_input_add(in, (enum rk_field)f, raw[f]);
        if (rc != RK_OK)
            return rc;
    }
    return RK_OK;
}
