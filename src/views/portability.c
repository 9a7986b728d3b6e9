/*
 * portability.c — the art 20 document (access.h): what the person provided,
 * as a JSON object grouped by register and as CSV
 * (register,category,value,provided_at,source; cells safe for spreadsheets).
 * core/rights.c chooses the values (struct rk_portability_facts).
 */
#include "views/access.h"

#include "util/json.h"

rk_err rk_portability_document(const struct rk_portability_facts *f, struct rk_buf *json,
                               struct rk_buf *csv) {
    struct rk_jw j = rk_jw_start(json);
    char at[RK_TS_LEN + 1];
    rk_jw_open(&j, NULL, '{');
    rk_jw_str(&j, "document", "gdpr_art20_portability");
    rk_jw_str(&j, "person_id", f->person_id);
    if (f->at) {
        rk_ts_format(f->at, at);
        rk_jw_str(&j, "generated_at", at);
    } else {
        rk_jw_str(&j, "generated_at", NULL);
    }
    rk_jw_open(&j, "registers", '[');
    if (csv)
        rk_buf_puts(csv, "register,category,value,provided_at,source\r\n");
    for (size_t i = 0; i < f->n; i++) {
        const struct rk_portable_value *v = &f->values[i];
        if (i == 0 || v->entry != f->values[i - 1].entry) {
            if (i > 0) {
                rk_jw_close(&j, '}');
                rk_jw_close(&j, '}');
            }
            rk_jw_open(&j, NULL, '{');
            rk_jw_str(&j, "register", v->register_id);
            rk_jw_open(&j, "data", '{');
        }
        rk_jw_str(&j, rk_field_id(v->field), v->value);
        if (csv) {
            char when[RK_TS_LEN + 1];
            rk_ts_format(v->at, when);
            rk_buf_put_csv_safe(csv, v->register_id);
            rk_buf_putc(csv, ',');
            rk_buf_put_csv_safe(csv, rk_field_id(v->field));
            rk_buf_putc(csv, ',');
            rk_buf_put_csv_safe(csv, v->value);
            rk_buf_putc(csv, ',');
            rk_buf_put_csv_safe(csv, when);
            rk_buf_putc(csv, ',');
            rk_buf_put_csv_safe(csv, rk_source_kind_id(v->source));
            rk_buf_puts(csv, "\r\n");
        }
    }
    if (f->n > 0) {
        rk_jw_close(&j, '}');
        rk_jw_close(&j, '}');
    }
    rk_jw_close(&j, ']');
    rk_jw_close(&j, '}');
    if (json)
        rk_buf_putc(json, '\n');
    rk_err err = RK_OK;
    if (json)
        err = rk_buf_status(json);
    if (err == RK_OK && csv)
        err = rk_buf_status(csv);
    return err;
}
