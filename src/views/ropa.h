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
 * legal_basis, profiling, direct_marketing, data_subjects, personal_data,
 * sources, recipients, third_country_transfers, erasure_time_limits,
 * security_measures), then one
 * row per entry with values in lang; several values in one field are joined
 * with "; ".
 * JSON: {"record_of_processing": {"language", "title", "controller",
 * "entries": [...]}}, indented by two spaces, ending with a newline; an entry
 * also carries "profiling", "direct_marketing" and "children" (null when not
 * declared), "sources", and per category "special" (art 9 / art 10).
 * Markdown: a "##" section per entry with the fields labelled (a) to (g).
 *
 * Returns RK_ENOMEM when memory runs out (out then holds a partial record
 * that the caller should discard).
 */
RK_MUST_USE rk_err rk_ropa_render(const struct rk_decl *d, enum rk_lang lang,
                                  enum rk_ropa_format fmt, struct rk_buf *out);

/*
 * The namespace of the rekisteri terms in the DPV document, for what the Data
 * Privacy Vocabulary has no term for (docs/ropa-dpv.md lists them).
 */
#define RK_DPV_NS "https://rekisteri.example/ns#"

/*
 * Appends the record of processing of d as one JSON-LD document in the W3C
 * Data Privacy Vocabulary (DPV 2.x with its eu-gdpr, loc and pd extensions):
 * a "@graph" holding the record (dpv:ROPA), the controller, the purposes,
 * categories, data subjects, sources, recipients and measures, and one
 * dpv:Process per (register, purpose) pair, in declaration order. Texts carry
 * both languages as language-tagged values, so there is no lang argument.
 * Indented by two, ending with a newline; the same declaration gives the same
 * bytes. Returns RK_ENOMEM when memory runs out (out then holds nothing new).
 */
RK_MUST_USE rk_err rk_ropa_render_dpv(const struct rk_decl *d, struct rk_buf *out);

#endif
