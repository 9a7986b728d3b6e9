/*
 * labels.h — the Finnish and English words for the declaration's enums, and
 * the sentences built from them that the privacy notice and the record of
 * processing share (retention in words, withdrawal channels, statutory keeps).
 *
 * Every function here writes or returns plain text, never markup: a renderer
 * escapes the result for its own format. Returned strings are static and never
 * NULL; an out-of-range value gives "?".
 */
#ifndef RK_NOTICE_LABELS_H
#define RK_NOTICE_LABELS_H

#include "decl/decl.h"
#include "util/buf.h"

/* The data-subject rights of GDPR chapter III that the notice lists, in article order. */
enum rk_right {
    RK_RIGHT_ACCESS,        /* art 15 */
    RK_RIGHT_RECTIFICATION, /* art 16 */
    RK_RIGHT_ERASURE,       /* art 17 */
    RK_RIGHT_RESTRICTION,   /* art 18 */
    RK_RIGHT_PORTABILITY,   /* art 20 */
    RK_RIGHT_OBJECTION,     /* art 21 */
    RK_RIGHT_AUTOMATED,     /* art 22 */
    RK_RIGHT__COUNT
};

/* The Finnish or the English of two literals. A macro, so that a printf format
 * chosen with it is still checked by the compiler. */
#define RK_PICK(lang, fi, en) ((lang) == RK_LANG_FI ? (fi) : (en))

/* The basis with its article: "rekisteröidyn suostumus, 6 art. 1 a" /
 * "consent of the data subject, art 6(1)(a)". */
const char *rk_label_basis(enum rk_basis b, enum rk_lang lang);
/* The article alone, as the language cites it: "6 art. 1 a" / "art 6(1)(a)". */
const char *rk_label_basis_cite(enum rk_basis b, enum rk_lang lang);
/* The article in a language-neutral form for machine output: "6(1)(a)". */
const char *rk_label_basis_article(enum rk_basis b);

/* One withdrawal channel as an adverbial phrase: "klikkaamalla uutiskirjeen tai
 * markkinointiviestin linkkiä" / "by clicking the link in a newsletter or ...".
 * w is a single bit of enum rk_withdrawal. */
const char *rk_label_withdrawal(enum rk_withdrawal w, enum rk_lang lang);
const char *rk_label_category_kind(enum rk_category_kind k, enum rk_lang lang);
/* One retention event as a phrase completing "the data is kept ...". */
const char *rk_label_retention_event(enum rk_retention_event e, enum rk_lang lang);
const char *rk_label_source(enum rk_source_kind k, enum rk_lang lang);
const char *rk_label_role(enum rk_recipient_role r, enum rk_lang lang);
const char *rk_label_transfer(enum rk_transfer t, enum rk_lang lang);
/* One verification method as an adverbial phrase ("by coming in person ..."). */
const char *rk_label_verification(enum rk_verification v, enum rk_lang lang);
const char *rk_label_right(enum rk_right r, enum rk_lang lang);
int rk_label_right_article(enum rk_right r);

/* "ei ilmoitettu" / "not declared". */
const char *rk_label_not_declared(enum rk_lang lang);

/* The withdrawal channels of p as one phrase ("klikkaamalla ... tai ilmoittamalla
 * ..."); when p declares none, contacting the controller, as art 7(3) demands
 * that withdrawal is always possible. */
void rk_label_withdrawal_channels(const struct rk_purpose *p, enum rk_lang lang,
                                  struct rk_buf *out);

/* The verification methods (enum rk_verification bits) as one phrase joined with
 * "tai" / "or"; nothing when bits is 0. */
void rk_label_verification_methods(unsigned bits, enum rk_lang lang, struct rk_buf *out);

/* A contact as one line: "name, address, puhelin X, sähköposti Y"; declared parts only. */
void rk_label_contact(const struct rk_party *c, enum rk_lang lang, struct rk_buf *out);
/* True when the contact declares any part. */
bool rk_label_contact_present(const struct rk_party *c);

/* The controller as one line: "Smartum Oy (Y-tunnus 2780101-9), address, phone, email". */
void rk_label_controller(const struct rk_controller *c, enum rk_lang lang, struct rk_buf *out);

/*
 * The register's retention in words, as one or more sentences: the events that
 * end the keeping, grace period, maximum period, prospects' period and the
 * declared extra text ("Tietoja säilytetään asiakassuhteen ajan, ...").
 */
void rk_label_retention(const struct rk_register *r, enum rk_lang lang, struct rk_buf *out);

/* How long a consent given for p is valid, as a sentence; nothing unless p rests
 * on consent and declares a validity. */
void rk_label_consent_validity(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out);

/* A sentence on what erasure keeps of category c under a legal obligation (the
 * obligation, the years and where they are counted from); nothing for delete. */
void rk_label_erasure(const struct rk_category *c, enum rk_lang lang, struct rk_buf *out);

/*
 * The time limits for erasure of register r, for art 30(1)(f) and the notice:
 * rk_label_retention, then rk_label_consent_validity for purpose p (or for each
 * purpose of r when p is NULL), then rk_label_erasure for each category of r,
 * separated by spaces.
 */
void rk_label_erasure_limits(const struct rk_register *r, const struct rk_purpose *p,
                             enum rk_lang lang, struct rk_buf *out);

/* Appends s escaped with rk_buf_put_md, with each newline turned into a space so
 * that the text stays on one line (a list item or a table cell). */
void rk_label_put_md_line(struct rk_buf *out, const char *s);

/* True when some register of d uses category c. */
bool rk_label_category_used(const struct rk_decl *d, const struct rk_category *c);

#endif
