/*
 * first_contact.h — the information text for the first message to a person whose personal
 * data was not obtained from them (a source of kind public_source or third_party): GDPR art
 * 14(3) (inform within a month, or at the first communication), art 14(1)-(2) (what to say)
 * and art 21(4) (the right to object brought to attention, clearly and separately from the
 * rest, at the latest at the first communication).
 *
 * The text depends only on the declaration (and the notice address given): rendering it twice
 * gives the same bytes. `rekisteri notice --first-contact` and
 * GET /api/v1/declaration/first-contact print it.
 */
#ifndef RK_FIRST_CONTACT_H
#define RK_FIRST_CONTACT_H

#include "decl/decl.h"
#include "util/buf.h"
#include "util/err.h"

enum rk_first_contact_format { RK_FIRST_CONTACT_MD, RK_FIRST_CONTACT_TEXT };

/* How many sources of d are indirect (public_source or third_party). */
size_t rk_first_contact_count(const struct rk_decl *d);

/* Whether url can be given as notice_url: http:// or https://, then printable ASCII without
 * spaces, quotes, backslashes or angle brackets. */
bool rk_first_contact_url_ok(const char *url);

/*
 * Appends the text for the which-th indirect source of d (1-based, in declaration order), or
 * with which 0 one text for every indirect source, separated by a rule. notice_url (NULL:
 * none) is where the full privacy notice is: an http(s) URL of printable ASCII without spaces,
 * quotes or angle brackets (rk_first_contact_url_ok), written as it is. Declared texts are escaped
 * for Markdown; plain text is written as it is. RK_ENOENT when d has no indirect source or which is
 * out of range (nothing appended); RK_EINVAL for a notice_url that rk_first_contact_url_ok refuses;
 * RK_ENOMEM.
 */
RK_MUST_USE rk_err rk_first_contact_render(const struct rk_decl *d, size_t which, enum rk_lang lang,
                                           enum rk_first_contact_format fmt, const char *notice_url,
                                           struct rk_buf *out);

#endif
