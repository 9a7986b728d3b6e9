/*
 * import.c — the row mapper of import.h: a header record becomes a column
 * map, and each data record becomes a normalised contact row or a rejection
 * naming the column. Contact values are normalised by contact.c, instants
 * parsed by time.c; nothing here stores, logs or echoes a value, apart from
 * a header cell the user is told is not a known column name.
 */
#include "core/import.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

_Static_assert((int)RK_IC_INTERESTS == (int)RK_F_INTERESTS &&
                   (int)RK_IC_CONSENT_AT == (int)RK_F__COUNT,
               "the contact columns must equal enum rk_field");

static const char *const col_ids[RK_IC__COUNT] = {
    [RK_IC_NAME] = "name",
    [RK_IC_EMAIL] = "email",
    [RK_IC_PHONE] = "phone",
    [RK_IC_POSITION] = "position",
    [RK_IC_ORGANISATION] = "organisation",
    [RK_IC_INTERESTS] = "interests",
    [RK_IC_CONSENT_AT] = "consent_at",
    [RK_IC_CONSENT_CHANNEL] = "consent_channel",
    [RK_IC_CONSENT_EVIDENCE] = "consent_evidence",
    [RK_IC_SOURCE_DETAIL] = "source_detail",
};

/* Every accepted header name, lower-case, canonical id first for each column. */
static const struct {
    const char *name;
    enum rk_import_col col;
} names[] = {
    {"name", RK_IC_NAME},
    {"nimi", RK_IC_NAME},
    {"email", RK_IC_EMAIL},
    {"s\xC3\xA4hk\xC3\xB6posti", RK_IC_EMAIL}, /* sähköposti */
    {"phone", RK_IC_PHONE},
    {"puhelin", RK_IC_PHONE},
    {"position", RK_IC_POSITION},
    {"asema", RK_IC_POSITION},
    {"organisation", RK_IC_ORGANISATION},
    {"organisaatio", RK_IC_ORGANISATION},
    {"yritys", RK_IC_ORGANISATION},
    {"interests", RK_IC_INTERESTS},
    {"kiinnostukset", RK_IC_INTERESTS},
    {"consent_at", RK_IC_CONSENT_AT},
    {"suostumus_annettu", RK_IC_CONSENT_AT},
    {"consent_channel", RK_IC_CONSENT_CHANNEL},
    {"consent_evidence", RK_IC_CONSENT_EVIDENCE},
    {"source_detail", RK_IC_SOURCE_DETAIL},
};

#define NNAMES     (sizeof names / sizeof names[0])
#define NAME_MAX_B 40 /* longer header cells cannot be column names */

const char *rk_import_col_id(enum rk_import_col c) {
    assert((unsigned)c < RK_IC__COUNT);
    return (unsigned)c < RK_IC__COUNT ? col_ids[c] : "?";
}

/* ---- small text helpers ------------------------------------------------- */

static bool is_blank_char(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Narrows [*s, *s + *n) to exclude surrounding white space. */
static void trim(const char **s, size_t *n) {
    while (*n > 0 && is_blank_char((*s)[0]))
        (*s)++, (*n)--;
    while (*n > 0 && is_blank_char((*s)[*n - 1]))
        (*n)--;
}

static bool is_blank(const char *s) {
    for (; *s; s++)
        if (!is_blank_char(*s))
            return false;
    return true;
}

/*
 * Copies s trimmed and folded to lower case into out (size cap): ASCII
 * letters, and the Latin-1 capitals U+00C0..U+00DE but for U+00D7 (so Ä, Ö
 * and Å). Returns false when it does not fit.
 */
static bool fold(const char *s, char *out, size_t cap) {
    size_t n = strlen(s);
    trim(&s, &n);
    if (n >= cap)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (i > 0 && (unsigned char)s[i - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97)
            c = (unsigned char)(c + 0x20);
        out[i] = (char)c;
    }
    out[n] = '\0';
    return true;
}

/* True when a header cell looks like a data value: an email address or phone number. */
static bool looks_like_data(const char *s) {
    size_t digits = 0;
    for (; *s; s++) {
        if (*s == '@')
            return true;
        digits += *s >= '0' && *s <= '9';
    }
    return digits >= 6;
}

/* Appends to err at *used, as snprintf does, never past errsz. */
static void put(char *err, size_t errsz, size_t *used, const char *s) {
    if (*used >= errsz)
        return;
    int w = snprintf(err + *used, errsz - *used, "%s", s);
    if (w > 0)
        *used += (size_t)w;
}

/* Appends the accepted column names: "name (nimi), email (sähköposti), ...". */
static void put_accepted(char *err, size_t errsz, size_t *used) {
    for (size_t c = 0; c < RK_IC__COUNT; c++) {
        put(err, errsz, used, c ? ", " : "");
        put(err, errsz, used, col_ids[c]);
        const char *sep = " (";
        for (size_t i = 0; i < NNAMES; i++) {
            if (names[i].col != c || strcmp(names[i].name, col_ids[c]) == 0)
                continue;
            put(err, errsz, used, sep);
            put(err, errsz, used, names[i].name);
            sep = ", ";
        }
        if (sep[0] == ',')
            put(err, errsz, used, ")");
    }
}

/*
 * Appends a header cell for quoting in a message: at most NAME_MAX_B bytes,
 * cut at a character boundary, control characters shown as '?'.
 */
static void put_cell(char *err, size_t errsz, size_t *used, const char *cell) {
    char tmp[NAME_MAX_B + 4];
    size_t n = strlen(cell), k = 0;
    trim(&cell, &n);
    bool cut = n > NAME_MAX_B;
    if (cut) {
        n = NAME_MAX_B;
        while (n > 0 && ((unsigned char)cell[n] & 0xC0u) == 0x80u)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)cell[i];
        tmp[k++] = cell[i];
        if (c < 0x20 || c == 0x7F)
            tmp[k - 1] = '?';
    }
    tmp[k] = '\0';
    put(err, errsz, used, tmp);
    if (cut)
        put(err, errsz, used, "...");
}

/* ---- header ------------------------------------------------------------- */

rk_err rk_import_map_parse(const char *const *fields, size_t n, struct rk_import_map *out,
                           struct rk_error *e) {
    assert(out && (fields || n == 0));
    struct rk_import_map m = {.ncols = n};
    char err[RK_ERROR_MSG_MAX]; /* the refusal, built piece by piece, then into e */
    size_t errsz = e ? sizeof err : 0, used = 0;
    for (size_t c = 0; c < RK_IC__COUNT; c++)
        m.at[c] = -1;
    if (n == 0) {
        put(err, errsz, &used, "the header is empty");
        goto refuse;
    }
    if (n == 1 && strchr(fields[0], ';')) {
        put(err, errsz, &used,
            "the header is one column holding semicolons: the file seems to be separated by "
            "semicolons; save it with commas as separators");
        goto refuse;
    }
    for (size_t i = 0; i < n; i++) {
        if (looks_like_data(fields[i])) {
            put(err, errsz, &used,
                "the first row looks like data, not a header: start the file with a row naming "
                "its columns, e.g. name,email,phone");
            goto refuse;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char key[NAME_MAX_B + 1];
        char num[64];
        snprintf(num, sizeof num, "column %zu of the header", i + 1);
        if (is_blank(fields[i])) {
            put(err, errsz, &used, num);
            put(err, errsz, &used, " is empty: give every column a name");
            if (i + 1 == n)
                put(err, errsz, &used, " (or remove the comma at the end of the header line)");
            goto refuse;
        }
        size_t k = NNAMES;
        if (fold(fields[i], key, sizeof key))
            for (k = 0; k < NNAMES && strcmp(names[k].name, key) != 0; k++)
                ;
        if (k == NNAMES) {
            put(err, errsz, &used, num);
            put(err, errsz, &used, ", \"");
            put_cell(err, errsz, &used, fields[i]);
            put(err, errsz, &used, "\", is not a known column; the accepted names are ");
            put_accepted(err, errsz, &used);
            goto refuse;
        }
        enum rk_import_col col = names[k].col;
        if (m.at[col] >= 0) {
            snprintf(num, sizeof num, "columns %d and %zu", m.at[col] + 1, i + 1);
            put(err, errsz, &used, num);
            put(err, errsz, &used, " of the header both name ");
            put(err, errsz, &used, col_ids[col]);
            put(err, errsz, &used, "; keep one of them");
            goto refuse;
        }
        m.at[col] = (int)i;
        m.col[i] = col;
    }
    if (m.at[RK_IC_NAME] < 0 && m.at[RK_IC_EMAIL] < 0 && m.at[RK_IC_PHONE] < 0) {
        put(err, errsz, &used, "the header names no contact column (name, email or phone)");
        goto refuse;
    }
    if (m.at[RK_IC_CONSENT_AT] < 0 &&
        (m.at[RK_IC_CONSENT_CHANNEL] >= 0 || m.at[RK_IC_CONSENT_EVIDENCE] >= 0)) {
        put(err, errsz, &used,
            "the header has consent_channel or consent_evidence but no consent_at; add a "
            "consent_at column saying when each consent was given");
        goto refuse;
    }
    *out = m;
    return RK_OK;
refuse:
    return rk_error_set(e, RK_EINVAL, NULL, "%s", used ? err : "");
}

/* ---- rows --------------------------------------------------------------- */

static void clear(struct rk_import_row *r) {
    for (size_t f = 0; f < RK_F__COUNT; f++)
        r->contact.v[f] = NULL;
    r->has_consent = false;
    r->consent_at = 0;
    r->has_channel = false;
    r->consent_channel = RK_SRC_WEB_FORM;
    r->consent_evidence = NULL;
    r->source_detail = NULL;
    r->email[0] = '\0';
    r->phone[0] = '\0';
    r->scratch[0] = '\0';
}

/* Refuses a cell with RK_EINVAL and the phrase why (static, never the value). */
static rk_err refuse_cell(struct rk_error *e, const char *why) {
    return rk_error_set(e, RK_EINVAL, NULL, "%s", why);
}

/* Parses a consent_at cell. */
static rk_err parse_consent_at(const char *raw, rk_ts *out, struct rk_error *e) {
    char buf[32];
    size_t n = strlen(raw);
    trim(&raw, &n);
    rk_ts t;
    if (n >= sizeof buf) {
        return refuse_cell(e, "is not a date or instant (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
    }
    memcpy(buf, raw, n);
    buf[n] = '\0';
    if (!rk_ts_parse(buf, &t)) {
        return refuse_cell(e, "is not a date or instant (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)");
    }
    if (t > rk_time_now()) {
        return refuse_cell(e, "is in the future");
    }
    *out = t;
    return RK_OK;
}

/* Parses a consent_channel cell: a source kind in which the person hands the data over. */
static rk_err parse_channel(const char *raw, enum rk_source_kind *out, struct rk_error *e) {
    char key[NAME_MAX_B + 1];
    if (fold(raw, key, sizeof key)) {
        for (int k = 0; k < RK_SRC__COUNT; k++) {
            if (strcmp(rk_source_kind_id((enum rk_source_kind)k), key) != 0)
                continue;
            if (!rk_source_from_subject((enum rk_source_kind)k)) {
                return refuse_cell(
                    e, "names a source other than the person (public_source, third_party); "
                       "a consent is given by the person: use web_form, email, phone, contract, "
                       "meeting or other_handover");
            }
            *out = (enum rk_source_kind)k;
            return RK_OK;
        }
    }
    return refuse_cell(e,
                       "is not one of web_form, email, phone, contract, meeting, other_handover");
}

/* Checks a one-line text cell and copies it into the scratch space at *used. */
static rk_err put_text(struct rk_import_row *r, size_t *used, const char *raw, const char **dst,
                       struct rk_error *e) {
    const char *s;
    size_t len;
    rk_err rc = rk_norm_text(raw, RK_IMPORT_TEXT_MAX, false, &s, &len, e);
    if (rc != RK_OK)
        return rc;
    assert(*used + len < sizeof r->scratch);
    if (*used + len >= sizeof r->scratch) {
        return refuse_cell(e, "is too long");
    }
    memcpy(r->scratch + *used, s, len);
    r->scratch[*used + len] = '\0';
    *dst = r->scratch + *used;
    *used += len + 1;
    return RK_OK;
}

/* Parses the cell of column col into r. */
static rk_err parse_cell(struct rk_import_row *r, size_t *used, enum rk_import_col col,
                         const char *raw, struct rk_error *e) {
    switch (col) {
    case RK_IC_CONSENT_AT: r->has_consent = true; return parse_consent_at(raw, &r->consent_at, e);
    case RK_IC_CONSENT_CHANNEL:
        r->has_channel = true;
        return parse_channel(raw, &r->consent_channel, e);
    case RK_IC_CONSENT_EVIDENCE: return put_text(r, used, raw, &r->consent_evidence, e);
    case RK_IC_SOURCE_DETAIL: return put_text(r, used, raw, &r->source_detail, e);
    default: break;
    }
    enum rk_field f = (enum rk_field)col;
    char *buf = r->scratch + *used;
    size_t cap = sizeof r->scratch - *used;
    if (f == RK_F_EMAIL)
        buf = r->email, cap = sizeof r->email;
    else if (f == RK_F_PHONE)
        buf = r->phone, cap = sizeof r->phone;
    rk_err rc = rk_field_normalize(f, raw, buf, cap, e);
    if (rc != RK_OK)
        return rc;
    r->contact.v[f] = buf;
    if (buf != r->email && buf != r->phone)
        *used += strlen(buf) + 1;
    return RK_OK;
}

rk_err rk_import_row_parse(const struct rk_import_map *m, const char *const *fields, size_t n,
                           struct rk_import_row *out, struct rk_error *e) {
    assert(m && out && (fields || n == 0));
    struct rk_error scratch; /* written only on a refusal, when e is NULL */
    const char *col = NULL;
    rk_err rc = RK_OK;
    size_t used = 0;
    if (!e)
        e = &scratch;
    clear(out);
    if (n != m->ncols) {
        rc = refuse_cell(e, "has a different number of fields than the header");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (is_blank(fields[i]))
            continue;
        rc = parse_cell(out, &used, m->col[i], fields[i], e);
        if (rc != RK_OK) {
            col = col_ids[m->col[i]];
            goto out;
        }
    }
    if (!out->contact.v[RK_F_NAME] && !out->contact.v[RK_F_EMAIL] && !out->contact.v[RK_F_PHONE]) {
        rc = refuse_cell(e, "has no name, email or phone");
        goto out;
    }
    if (!out->has_consent && (out->has_channel || out->consent_evidence)) {
        rc = refuse_cell(e, "is empty although consent_channel or consent_evidence is given");
        col = col_ids[RK_IC_CONSENT_AT];
    }
out:
    if (rc != RK_OK) {
        clear(out);
        e->code = RK_EINVAL; /* every failure here is a fault of the input */
        snprintf(e->where, sizeof e->where, "%s", col ? col : "");
        return RK_EINVAL;
    }
    return RK_OK;
}

/* A refusal of rk_import_step, written into e by rk_error_set (rc): the step it ends in. */
static enum rk_import_step refused(rk_err rc, enum rk_import_step step) {
    assert(rc != RK_OK);
    (void)rc;
    return step;
}

enum rk_import_step rk_import_step(struct rk_import_reader *rd, const char *const *fields, size_t n,
                                   unsigned long line, const char *row_error,
                                   struct rk_import_row *row, struct rk_error *e) {
    if (!rd->have_map) {
        if (row_error)
            return refused(
                rk_error_set(e, RK_EINVAL, NULL, "line %lu: the header %s", line, row_error),
                RK_IMPORT_BAD_HEADER);
        if (rk_import_map_parse(fields, n, &rd->map, e) != RK_OK)
            return RK_IMPORT_BAD_HEADER;
        rd->have_map = true;
        return RK_IMPORT_HEADER;
    }
    rd->rows++;
    if (row_error)
        return refused(rk_error_set(e, RK_EINVAL, NULL, "%s", row_error), RK_IMPORT_REJECT);
    if (rk_import_row_parse(&rd->map, fields, n, row, e) != RK_OK)
        return RK_IMPORT_REJECT;
    if (rd->needs_consent && !row->has_consent)
        return refused(rk_error_set(e, RK_EINVAL, "consent_at",
                                    "no consent recorded for a consent-based purpose"),
                       RK_IMPORT_REJECT);
    return RK_IMPORT_ROW;
}
