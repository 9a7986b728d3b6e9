/*
 * labels.h — the Finnish and English words for the declaration's enums, and
 * the sentences built from them that the privacy notice, the record of
 * processing, the access answer and the art 22 answer share (retention in
 * words, withdrawal channels, statutory keeps, profiling, objection, direct
 * marketing, special categories, children, sources, transfer safeguards).
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
/* Whether d gives right r at all: portability (art 20) only with a purpose on consent or a
 * contract, objection (art 21) only with a purpose on legitimate interests or a public task or
 * one with direct marketing; every other right always. */
bool rk_label_right_applies(const struct rk_decl *d, enum rk_right r);

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
 * obligation, the years and where they are counted from, with d's financial year end for
 * erasure.from end_of_financial_period); nothing for delete. */
void rk_label_erasure(const struct rk_decl *d, const struct rk_category *c, enum rk_lang lang,
                      struct rk_buf *out);

/*
 * The time limits for erasure of register r, for art 30(1)(f) and the notice:
 * rk_label_retention, then rk_label_consent_validity for purpose p (or for each
 * purpose of r when p is NULL), then rk_label_erasure for each category of r,
 * separated by spaces.
 */
void rk_label_erasure_limits(const struct rk_decl *d, const struct rk_register *r,
                             const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out);

/* ---- What the finer rules turn on (issue 16) ------------------------------------------------
 *
 * Each function below says only what the declaration supports: a statement that something is
 * not done ("no profiling", "no automated decisions") is written only when no declared item
 * says it is. The notice, the record, the access answer and the art 22 answer all take their
 * words from here, so that they cannot tell different stories. */

/* A transfer mechanism with what makes it checkable: for dpf with dpf_verified, "the recipient
 * is certified under the EU-US Data Privacy Framework (decision (EU) 2023/1795); checked on the
 * DPF List on <date>"; for scc and bcr with safeguards_copy, how to get a copy of them (art
 * 13(1)(f)); for privacy_shield, that it is no valid basis (C-311/18). */
void rk_label_transfer_detail(enum rk_transfer t, struct rk_date dpf_verified,
                              const struct rk_text *safeguards_copy, enum rk_lang lang,
                              struct rk_buf *out);

/* Art 4(4): the profiling of purpose p as sentences (the purpose, what is evaluated, the logic,
 * the consequences); nothing unless p declares profiling. */
void rk_label_profiling(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out);

/* Art 22: the automated decisions of r as sentences: when r declares none, that no decision
 * based solely on automated processing with legal or similarly significant effects is made;
 * else that they are made, the logic, the consequences, the art 22(2) exception and the art
 * 22(3) safeguards (human review, expressing one's view, contesting). */
void rk_label_automated(const struct rk_rights *r, enum rk_lang lang, struct rk_buf *out);

/* "Your data is not used for profiling." — only when no purpose of d declares profiling;
 * nothing otherwise. */
void rk_label_profiling_none(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out);

/* Art 13(2)(f), 15(1)(h): rk_label_profiling of every purpose of d that declares profiling, or
 * the sentence that d's data is not used for profiling when none does; then rk_label_automated.
 * Sentences separated by spaces. */
void rk_label_automated_answer(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out);

/* Art 21(1): the right to object on grounds relating to one's particular situation, naming the
 * purposes of d on legitimate interests or a public task; nothing when there are none. */
void rk_label_objection_particular(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out);
/* Art 21(2)-(3): the absolute right to object to direct marketing (and the profiling related to
 * it), naming the purposes of d that declare direct_marketing, at any time and free, and how
 * (the link in every message where the purpose has one, and contacting the controller);
 * nothing when no purpose declares direct marketing. */
void rk_label_objection_marketing(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out);

/* rk_label_objection_particular and rk_label_objection_marketing for the n purposes ps only (the
 * purposes a source feeds, for the first message of art 14(3) and 21(4)). */
void rk_label_objection_particular_of(const struct rk_purpose *const *ps, size_t n,
                                      enum rk_lang lang, struct rk_buf *out);
void rk_label_objection_marketing_of(const struct rk_purpose *const *ps, size_t n,
                                     enum rk_lang lang, struct rk_buf *out);

/* ---- The first message to a person whose data came from elsewhere (art 14(3), 21(4)) ------ */

/* The rights of arts 15-18 (and 20 where rk_label_right_applies) as one sentence; the right to
 * object is left to its own paragraph (art 21(4)). */
void rk_label_rights_summary(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out);
/* Art 77: the right to complain to the supervisory authority a, named, as one sentence. */
void rk_label_complaint(const struct rk_authority *a, enum rk_lang lang, struct rk_buf *out);
/* How to object in reply to a message: that replying and saying so is enough. */
const char *rk_label_objection_reply(enum rk_lang lang);
/* Where the full privacy notice is: "Our full privacy notice is at" (the address follows, then a
 * full stop), or, without an address, that it can be asked for, as a sentence. */
const char *rk_label_notice_at(enum rk_lang lang);
const char *rk_label_notice_ask(enum rk_lang lang);

/* 917/2014 (the Act on Electronic Communications Services; the Information Society Code until
 * the end of 2020): the direct marketing of p in words (channels, audience, and for email and text
 * messages their basis: prior consent, or the soft opt-in for the named own similar products
 * with the right to refuse in every message); nothing unless p declares direct_marketing. */
void rk_label_marketing(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out);

/* Art 6(1)(f): where the balancing test of p is documented, as a sentence; nothing when p
 * declares none. */
void rk_label_balancing(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out);

/* The special category (art 9(1)) or criminal-offence data (art 10), e.g. "data concerning
 * health"; "" for RK_SPECIAL_NONE. */
const char *rk_label_special(enum rk_special s, enum rk_lang lang);
/* The art 9(2) condition in words with its letter: "explicit consent of the data subject, art
 * 9(2)(a)"; "" for RK_ART9_NONE. */
const char *rk_label_art9_condition(enum rk_art9_condition c, enum rk_lang lang);
/* The special nature of c as one phrase: "Diet (data concerning health, special category of
 * personal data, art 9; condition: explicit consent ..., art 9(2)(a); national law: ...)";
 * nothing for an ordinary category. */
void rk_label_special_category(const struct rk_category *c, enum rk_lang lang, struct rk_buf *out);
/* True when d declares a special category or criminal-offence data in some register. */
bool rk_label_special_used(const struct rk_decl *d);

/* Art 8, 1050/2018 §5: the children of register r as sentences (the youngest age, whether an
 * information-society service is offered to them directly, how consent works below the age of
 * 13, how age is verified); nothing unless r declares children. */
void rk_label_children(const struct rk_register *r, enum rk_lang lang, struct rk_buf *out);

/* Art 14(2)(f), 14(1)(d): a source by name, whether it is publicly available and the
 * categories obtained from it, as one phrase ("Kaupparekisteri (another controller) – categories
 * obtained: Name, Phone"); the kind's words when it declares no name. */
void rk_label_source_named(const struct rk_source *s, enum rk_lang lang, struct rk_buf *out);

/* Appends s escaped with rk_buf_put_md, with each newline turned into a space so
 * that the text stays on one line (a list item or a table cell). */
void rk_label_put_md_line(struct rk_buf *out, const char *s);

/* True when some register of d uses category c. */
bool rk_label_category_used(const struct rk_decl *d, const struct rk_category *c);

#endif
