/*
 * notice.h — the privacy notice (tietosuojaseloste): the information of GDPR
 * articles 13 and 14, rendered from a declaration in Finnish or English, as
 * Markdown or as a complete HTML5 document.
 *
 * The notice follows the section order of the source notice: controller,
 * legal bases and purposes, categories and retention, sources, recipients and
 * transfers, rights. The output depends only on the declaration: rendering the
 * same declaration twice gives the same bytes.
 */
#ifndef RK_NOTICE_H
#define RK_NOTICE_H

#include "decl/decl.h"
#include "util/buf.h"
#include "util/err.h"

enum rk_notice_format { RK_NOTICE_MD, RK_NOTICE_HTML };

/*
 * Appends the privacy notice of d in lang and fmt to out. Every declared text
 * is escaped for the format. On failure (RK_ENOMEM) out holds a partial
 * document that the caller should discard.
 */
RK_MUST_USE rk_err rk_notice_render(const struct rk_decl *d, enum rk_lang lang,
                                    enum rk_notice_format fmt, struct rk_buf *out);

#endif
