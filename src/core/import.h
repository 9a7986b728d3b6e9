/*
 * import.h — turning the records of an import CSV into contact rows: the
 * header record names the columns (English ids or Finnish aliases), and each
 * later record becomes one normalised struct rk_import_row or is rejected
 * with a reason that names the column but never repeats the value. No
 * storage here: the caller (rekisteri import) writes the rows. The file
 * format is described for users in docs/import.md.
 */
#ifndef RK_IMPORT_H
#define RK_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/contact.h"
#include "base/normalize.h"
#include "base/time.h"
#include "decl/decl.h"
#include "util/err.h"

/*
 * The columns an import may have. The first RK_F__COUNT values are the
 * contact fields and equal enum rk_field, so (enum rk_field)c is the field of
 * such a column.
 */
enum rk_import_col {
    RK_IC_NAME = RK_F_NAME,
    RK_IC_EMAIL = RK_F_EMAIL,
    RK_IC_PHONE = RK_F_PHONE,
    RK_IC_POSITION = RK_F_POSITION,
    RK_IC_ORGANISATION = RK_F_ORGANISATION,
    RK_IC_INTERESTS = RK_F_INTERESTS,
    RK_IC_CONSENT_AT = RK_F__COUNT, /* when the consent being imported was given */
    RK_IC_CONSENT_CHANNEL,          /* how it was given: a declared source kind */
    RK_IC_CONSENT_EVIDENCE,         /* what proves it, e.g. a form id */
    RK_IC_SOURCE_DETAIL,            /* where this row's data came from */
    RK_IC__COUNT
};

/* Longest consent_evidence and source_detail, in code points. */
#define RK_IMPORT_TEXT_MAX 500

/* The canonical name of a column ("email", "consent_at"). */
const char *rk_import_col_id(enum rk_import_col c);

/*
 * Where each column is in a record. Built from the header record by
 * rk_import_map_parse; read-only afterwards.
 */
struct rk_import_map {
    size_t ncols;                         /* fields in the header, so in every row */
    int at[RK_IC__COUNT];                 /* index of each column in a row, or -1 */
    enum rk_import_col col[RK_IC__COUNT]; /* the column at each index < ncols */
};

/* True when the header has column c. */
static inline bool rk_import_map_has(const struct rk_import_map *m, enum rk_import_col c) {
    return m->at[c] >= 0;
}

/*
 * Reads the header record fields[0..n-1]. Each cell, trimmed and compared
 * without regard to case (ASCII and Latin-1 letters, so "SÄHKÖPOSTI" works),
 * must name a column:
 *
 *   name          nimi
 *   email         sähköposti
 *   phone         puhelin
 *   position      asema
 *   organisation  organisaatio, yritys
 *   interests     kiinnostukset
 *   consent_at    suostumus_annettu
 *   consent_channel, consent_evidence, source_detail
 *
 * Fails with RK_EINVAL and a message in e (NULL: only the code) when the header
 * is one cell holding semicolons (a file separated by semicolons), a cell is
 * empty, names no column (the message quotes the cell and lists the accepted
 * names — unless the cell looks like an email address or phone number, when
 * it says the file seems to lack a header row instead, so as not to repeat
 * personal data), names a column twice, when no column is name, email or
 * phone ("the header names no contact column (name, email or phone)"), or
 * when consent_channel or consent_evidence comes without consent_at. *out is
 * written only on success.
 */
RK_MUST_USE rk_err rk_import_map_parse(const char *const *fields, size_t n,
                                       struct rk_import_map *out, struct rk_error *e);

/* Bytes of text-field scratch space in a row: four bytes per code point of each limit. */
#define RK_IMPORT_SCRATCH                                                                          \
    (4 * (RK_NAME_MAX + RK_POSITION_MAX + RK_ORGANISATION_MAX + RK_INTERESTS_MAX +                 \
          2 * RK_IMPORT_TEXT_MAX) +                                                                \
     6)

/*
 * One data record, normalised. Every string points into the struct itself,
 * so a row must not be copied by assignment or memcpy; parse into the row
 * you will use. A value not given (empty or blank cell, or no such column)
 * is NULL / false.
 */
struct rk_import_row {
    struct rk_contact contact; /* v[f] → email, phone or scratch; NULL when not given */
    bool has_consent;          /* consent_at given */
    rk_ts consent_at;
    bool has_channel; /* consent_channel given */
    enum rk_source_kind consent_channel;
    const char *consent_evidence; /* one line, ≤ RK_IMPORT_TEXT_MAX code points, or NULL */
    const char *source_detail;    /* likewise */
    char email[RK_EMAIL_MAX + 1];
    char phone[RK_PHONE_MAX + 1];
    char scratch[RK_IMPORT_SCRATCH];
};

/*
 * Parses the data record fields[0..n-1] laid out as m into out. Empty or
 * blank cells mean "not given". Each given value is normalised:
 * contact fields by rk_field_normalize (email to its normal form, phone to
 * E.164, texts trimmed and checked); consent_at by rk_ts_parse
 * ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ") and not after rk_time_now();
 * consent_channel one of web_form, email, phone, contract, meeting,
 * other_handover (any case); consent_evidence and source_detail as one line
 * of at most RK_IMPORT_TEXT_MAX code points.
 *
 * Fails with RK_EINVAL when the record has a different number of fields than
 * the header, when a value is invalid (the first one from the left), when
 * the row has no name, email or phone, or when it gives consent_channel or
 * consent_evidence without consent_at. Then e (NULL: only the code) says
 * where: the canonical column id the problem is in, or "" when it concerns
 * the whole row, and message: a phrase to follow it ("email has no '@'",
 * "row has no name, email or phone"). Neither ever contains the value, so
 * they may be logged. For a wrong field count the message is "has a different
 * number of fields than the header": the caller knows both counts (n,
 * m->ncols) and may add them. On failure *out is cleared (every value "not
 * given").
 */
RK_MUST_USE rk_err rk_import_row_parse(const struct rk_import_map *m, const char *const *fields,
                                       size_t n, struct rk_import_row *out, struct rk_error *e);

/*
 * One import, record by record: what the CLI's `import` and the API's
 * POST /api/v1/import share. The first record is the header (mapped into
 * map); each later one is counted in rows and parsed into a row, or refused
 * with the column and reason the reject file or answer gives.
 */
struct rk_import_reader {
    struct rk_import_map map;
    bool have_map;       /* the header was read and mapped */
    bool needs_consent;  /* the purpose rests on consent: each row needs consent_at */
    unsigned long rows;  /* records after the header, refused ones included */
};

enum rk_import_step {
    RK_IMPORT_HEADER,     /* the header is mapped: on to the rows */
    RK_IMPORT_BAD_HEADER, /* the header is refused: the message is in e */
    RK_IMPORT_REJECT,     /* the row is refused: e's where (column; "": the whole row), message */
    RK_IMPORT_ROW,        /* the row is parsed into *row, ready to be written */
};

/*
 * Takes one record of the CSV reader (util/csv.h: fields, n, its line and
 * the reader's row_error, NULL when it read well). A refusal is written into
 * e (NULL: not told), and only a refusal: the header's as the message "line
 * L: the header ROW_ERROR" or rk_import_map_parse's; a row's with where ""
 * and row_error as the message, with rk_import_row_parse's column and
 * reason, or with "no consent recorded for a consent-based purpose" (where
 * consent_at) when rd->needs_consent and the row gives no consent_at. Neither
 * ever holds a value.
 */
enum rk_import_step rk_import_step(struct rk_import_reader *rd, const char *const *fields, size_t n,
                                   unsigned long line, const char *row_error,
                                   struct rk_import_row *row, struct rk_error *e);

#endif
