/*
 * ropa.h — the record of processing activities of GDPR art 30(1) (Finnish:
 * seloste käsittelytoimista), rendered from a declaration as CSV, JSON or
 * Markdown, in Finnish or English.
 *
 * The record has one entry per processing activity, which the declaration
 * gives as a (register, purpose) pair: for each register, for each of its
 * purposes, in declaration order. Each entry carries the fields (a) to (g) of
 * art 30(1). The output depends only on the declaration.
 */
#ifndef RK_ROPA_H
#define RK_ROPA_H

#include "decl/decl.h"
#include "util/buf.h"
#include "util/err.h"

enum rk_ropa_format { RK_ROPA_CSV, RK_ROPA_JSON, RK_ROPA_MD };

/*
 * Appends the record of processing of d in lang and fmt to out.
 *
 * CSV: RFC 4180 with CRLF line ends; a header row of English snake_case
 * column names (controller, representative, dpo, register, purpose,
 * legal_basis, data_subjects, personal_data, recipients,
 * third_country_transfers, erasure_time_limits, security_measures), then one
 * row per entry with values in lang; several values in one field are joined
 * with "; ".
 * JSON: {"record_of_processing": {"language", "title", "controller",
 * "entries": [...]}}, indented by two spaces, ending with a newline.
 * Markdown: a "##" section per entry with the fields labelled (a) to (g).
 *
 * Returns RK_ENOMEM when memory runs out (out then holds a partial record
 * that the caller should discard).
 */
RK_MUST_USE rk_err rk_ropa_render(const struct rk_decl *d, enum rk_lang lang,
                                  enum rk_ropa_format fmt, struct rk_buf *out);

#endif
