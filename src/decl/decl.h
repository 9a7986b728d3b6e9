/*
 * decl.h — the declaration: what a company says it processes, as data.
 *
 * A declaration is loaded from YAML (decl_load.c) into the structs below,
 * validated structurally (unknown keys, duplicate ids, undeclared references
 * are load errors), and then read by the linter, the notice and record
 * renderers and, in later layers, the register itself. A loaded declaration is
 * immutable and owns all its memory through one arena: rk_decl_free() releases
 * everything. Every field is documented for users in docs/declaration.md.
 *
 * Conventions: an optional text has fi == NULL (and en == NULL) when absent; a
 * required text always has both. Counts are size_t n<things>; references to
 * other declared items are resolved to pointers at load time.
 */
#ifndef RK_DECL_H
#define RK_DECL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/time.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/err.h"

enum rk_lang { RK_LANG_FI, RK_LANG_EN };

/* A human-readable text in Finnish and English. */
struct rk_text {
    const char *fi, *en;
};

static inline const char *rk_text_get(const struct rk_text *t, enum rk_lang lang) {
    return lang == RK_LANG_FI ? t->fi : t->en;
}
static inline bool rk_text_present(const struct rk_text *t) { return t->fi != NULL; }

/* Where a declared item starts in the YAML file (1-based). */
struct rk_loc {
    unsigned line, col;
};

/* GDPR art 6(1) legal bases, in the article's order (a)..(f). */
enum rk_basis {
    RK_BASIS_CONSENT,              /* (a) */
    RK_BASIS_CONTRACT,             /* (b) */
    RK_BASIS_LEGAL_OBLIGATION,     /* (c) */
    RK_BASIS_VITAL_INTERESTS,      /* (d) */
    RK_BASIS_PUBLIC_TASK,          /* (e) */
    RK_BASIS_LEGITIMATE_INTERESTS, /* (f) */
    RK_BASIS__COUNT
};

/* How a consent can be withdrawn: a bit set of these. */
enum rk_withdrawal {
    RK_WITHDRAW_MESSAGE_LINK = 1 << 0,     /* link in every newsletter/marketing message */
    RK_WITHDRAW_CONTACT = 1 << 1,          /* contacting the controller (section 1) */
    RK_WITHDRAW_PREFERENCES_PAGE = 1 << 2, /* the person's preferences page */
    RK_WITHDRAW_EMAIL = 1 << 3,            /* replying or writing by email */
};
#define RK_WITHDRAW__COUNT 4

/*
 * Profiling (art 4(4)) done for a purpose: any automated evaluation of personal aspects, e.g.
 * targeting marketing by interests or website behaviour. Not the same as an automated decision
 * with legal or similarly significant effect (art 22, struct rk_rights). Declared per purpose
 * (purposes[].profiling) so that the notice (13(2)(f), 14(2)(g)), the access answer (15(1)(h))
 * and the objection right (21(2)-(4)) say what is true.
 */
struct rk_profiling {
    bool declared;
    struct rk_loc loc;
    struct rk_text what;         /* required: what is evaluated ("interests shown on our site") */
    struct rk_text logic;        /* required: the logic in plain words */
    struct rk_text consequences; /* required: what follows for the person */
};

/* The channels of direct marketing (purposes[].direct_marketing.channels): a bit set. */
enum rk_channel {
    RK_CHANNEL_EMAIL = 1 << 0, /* electronic mail: 917/2014 §200-202 */
    RK_CHANNEL_SMS = 1 << 1,   /* text and multimedia messages: electronic mail in 917/2014 */
    RK_CHANNEL_PHONE = 1 << 2, /* calls by a person */
    RK_CHANNEL_POST = 1 << 3,  /* letters */
};
#define RK_CHANNEL__COUNT      4
#define RK_CHANNELS_ELECTRONIC (RK_CHANNEL_EMAIL | RK_CHANNEL_SMS)

/* To whom the marketing goes, as 917/2014 tells them apart. */
enum rk_audience {
    RK_AUDIENCE_CONSUMERS, /* natural persons as such: §200(1) prior consent, or §200(2) */
    RK_AUDIENCE_BUSINESS,  /* work addresses, in the recipient's role: §202, with opt-out */
    RK_AUDIENCE_BOTH,
    RK_AUDIENCE__COUNT
};

/*
 * Direct marketing done for a purpose (purposes[].direct_marketing), so that the linter can
 * judge it against the Information Society Code 917/2014 §200-202 and EDPB Guidelines 2/2019.
 * soft_opt_in is the §200(2) exception: the controller's own similar products to customers
 * whose address it got in a sale, who could refuse free and easily when it was collected and
 * can in every message (rekisteri's marketing mail always carries the one-click opt-out).
 */
struct rk_marketing {
    bool declared;
    struct rk_loc loc;
    unsigned channels;         /* enum rk_channel bits; never 0 */
    enum rk_audience audience; /* required */
    bool soft_opt_in;          /* soft_opt_in: declared */
    struct rk_loc soft_opt_in_loc;
    struct rk_text similar_products; /* soft_opt_in.products: required with it */
    bool opt_out_at_collection;      /* soft_opt_in.opt_out_at_collection */
};

struct rk_purpose {
    const char *id;
    struct rk_loc loc;
    struct rk_text name;
    struct rk_text description; /* optional */
    enum rk_basis basis;
    struct rk_text legitimate_interest;  /* optional; the interest, for basis (f) */
    struct rk_text balancing_test;       /* optional; basis (f) only: where the balancing test
                                            is documented and how to get it */
    struct rk_profiling profiling;       /* optional */
    struct rk_marketing marketing;       /* optional (direct_marketing:) */
    struct rk_duration consent_validity; /* optional; consent basis only */
    unsigned withdrawal;                 /* enum rk_withdrawal bits; consent basis only */
    bool keep_consent_evidence; /* consent.keep_evidence: legal_claims — the ledger survives
                                   erasure, restricted to establishing legal claims (17(3)(e)) */
};

enum rk_category_kind {
    RK_CAT_IDENTITY,
    RK_CAT_CONTACT,
    RK_CAT_CONTRACT,
    RK_CAT_BILLING,
    RK_CAT_PREFERENCE,
    RK_CAT_TECHNICAL,
    RK_CAT_OTHER,
    RK_CAT__COUNT
};

/* What happens to a category's data when it is erased. */
enum rk_erasure_rule {
    RK_ERASE_DELETE, /* deleted (the default) */
    RK_ERASE_KEEP,   /* kept for keep_years under a legal obligation, restricted */
};

enum rk_erasure_from {
    RK_FROM_EVENT,                   /* counted from the event (e.g. the invoice date) */
    RK_FROM_END_OF_CALENDAR_YEAR,    /* from the end of the event's calendar year */
    RK_FROM_END_OF_FINANCIAL_PERIOD, /* from the end of the calendar year in which the event's
                                        financial period ended (Kirjanpitolaki 1336/1997 2:10),
                                        with controller.financial_year_end */
};

struct rk_erasure {
    enum rk_erasure_rule rule;
    int keep_years;            /* RK_ERASE_KEEP only */
    enum rk_erasure_from from; /* RK_ERASE_KEEP only */
    struct rk_text
        obligation; /* RK_ERASE_KEEP only: the law, e.g. "Kirjanpitolaki 1336/1997 2:10" */
};

/* One answer a category offers (choices:): a form shows it as a checkbox. */
#define RK_CHOICES_MAX 32
struct rk_choice {
    const char *id;
    struct rk_text name;
};

/*
 * Special categories of personal data (art 9(1)) and, last, personal data relating to criminal
 * convictions and offences (art 10), in the article's order.
 */
enum rk_special {
    RK_SPECIAL_NONE,
    RK_SPECIAL_ETHNIC_ORIGIN,     /* racial or ethnic origin */
    RK_SPECIAL_POLITICAL,         /* political opinions */
    RK_SPECIAL_RELIGION,          /* religious or philosophical beliefs */
    RK_SPECIAL_TRADE_UNION,       /* trade-union membership */
    RK_SPECIAL_GENETIC,           /* genetic data */
    RK_SPECIAL_BIOMETRIC,         /* biometric data for uniquely identifying a person */
    RK_SPECIAL_HEALTH,            /* data concerning health */
    RK_SPECIAL_SEX_LIFE,          /* sex life or sexual orientation */
    RK_SPECIAL_CRIMINAL_OFFENCES, /* art 10: criminal convictions and offences */
    RK_SPECIAL__COUNT
};

/* The art 9(2) condition that lifts the art 9(1) prohibition, (a)..(j). */
enum rk_art9_condition {
    RK_ART9_NONE,
    RK_ART9_EXPLICIT_CONSENT,            /* (a) */
    RK_ART9_EMPLOYMENT,                  /* (b) employment and social security law */
    RK_ART9_VITAL_INTERESTS,             /* (c) */
    RK_ART9_NOT_FOR_PROFIT,              /* (d) foundation, association, not-for-profit body */
    RK_ART9_MADE_PUBLIC,                 /* (e) manifestly made public by the person */
    RK_ART9_LEGAL_CLAIMS,                /* (f) */
    RK_ART9_SUBSTANTIAL_PUBLIC_INTEREST, /* (g) */
    RK_ART9_HEALTH_CARE,                 /* (h) */
    RK_ART9_PUBLIC_HEALTH,               /* (i) */
    RK_ART9_ARCHIVING,                   /* (j) archiving, research, statistics */
    RK_ART9__COUNT
};

struct rk_category {
    const char *id;
    struct rk_loc loc;
    struct rk_text name;
    enum rk_category_kind kind;
    bool from_subject; /* collected from the data subject (art 13) */
    struct rk_erasure erasure;
    struct rk_choice *choices; /* optional (interests only): the answers a form offers */
    size_t nchoices;
    enum rk_special special; /* optional (special:); RK_SPECIAL_NONE when absent */
    struct rk_loc special_loc;
    enum rk_art9_condition condition; /* optional (condition:); art 9 kinds only */
    struct rk_text law;               /* optional (law:): the national provision, e.g.
                                         "Tietosuojalaki 1050/2018 6 §" (art 9(2)(b),(g)-(j))
                                         or, for criminal-offence data, 1050/2018 7 § */
};

/* The choice of cat with id, or NULL. */
const struct rk_choice *rk_category_choice(const struct rk_category *cat, const char *id);

/* Events that end the keeping of a register's data: a bit set of these. */
enum rk_retention_event {
    RK_UNTIL_RELATIONSHIP_END = 1 << 0,
    RK_UNTIL_CONTRACT_END = 1 << 1,
    RK_UNTIL_CONSENT_WITHDRAWN = 1 << 2,
    RK_UNTIL_CONSENT_EXPIRED = 1 << 3,
    RK_UNTIL_PURPOSE_FULFILLED = 1 << 4,
};
#define RK_UNTIL__COUNT 5

struct rk_retention {
    bool declared; /* false: the register has no retention rule */
    struct rk_loc loc;
    unsigned until;               /* enum rk_retention_event bits */
    struct rk_duration grace;     /* optional; kept this long after the event */
    struct rk_duration period;    /* optional; a fixed maximum period */
    struct rk_duration prospects; /* optional; how long a prospect is kept */
    struct rk_text text;          /* optional; extra words for the notice */
};

/*
 * Children as data subjects of a register (registers[].children): art 8 and, in Finland, the
 * Data Protection Act 1050/2018 §5 (a child of 13 can consent to an information-society
 * service offered directly to them; below that, the holder of parental responsibility).
 */
#define RK_CHILD_CONSENT_AGE_FI 13
struct rk_children {
    bool declared;
    struct rk_loc loc;
    int min_age;                     /* required: the youngest age of the register's subjects */
    bool online_service;             /* an information-society service offered directly to
                                        children (art 8(1)) */
    struct rk_text age_verification; /* optional: how age is checked */
    struct rk_text parental_consent; /* optional: how the holder of parental responsibility
                                        gives or authorises consent, below the age */
};

struct rk_register {
    const char *id;
    struct rk_loc loc;
    struct rk_text name;
    struct rk_text subjects; /* categories of data subjects (art 30(1)(c)) */
    struct rk_category **categories;
    size_t ncategories;
    struct rk_purpose **purposes;
    size_t npurposes;
    struct rk_retention retention;
    struct rk_children children; /* optional */
};

enum rk_source_kind {
    RK_SRC_WEB_FORM,
    RK_SRC_EMAIL,
    RK_SRC_PHONE,
    RK_SRC_CONTRACT,
    RK_SRC_MEETING,
    RK_SRC_OTHER_HANDOVER, /* other situations where the person hands data over */
    RK_SRC_PUBLIC_SOURCE,  /* publicly available sources: not from the person (art 14) */
    RK_SRC_THIRD_PARTY,    /* another controller: not from the person (art 14) */
    RK_SRC__COUNT
};

/* True when data from a source of this kind is given by the person themself. */
static inline bool rk_source_from_subject(enum rk_source_kind k) {
    return k != RK_SRC_PUBLIC_SOURCE && k != RK_SRC_THIRD_PARTY;
}

struct rk_source {
    struct rk_loc loc;
    enum rk_source_kind kind;
    struct rk_text detail; /* optional; e.g. "municipal web pages" */
    struct rk_text note;   /* optional; e.g. "for customer acquisition" */
    struct rk_text name;   /* optional (required by lint for art 14 sources): the source by
                              name, art 14(2)(f), e.g. "Helsingin kaupungin verkkosivut" */
    struct rk_category **categories; /* optional: the categories obtained from it, 14(1)(d) */
    size_t ncategories;
    struct rk_register **registers;
    size_t nregisters;
    struct rk_purpose **purposes; /* optional; empty: every purpose of its registers */
    size_t npurposes;
};

enum rk_recipient_role { RK_ROLE_PROCESSOR, RK_ROLE_CONTROLLER };

/* The art 44-49 mechanism a third-country transfer rests on. */
enum rk_transfer {
    RK_TRANSFER_NONE,           /* not declared */
    RK_TRANSFER_ADEQUACY,       /* art 45 adequacy decision for the country */
    RK_TRANSFER_DPF,            /* EU-US Data Privacy Framework, decision (EU) 2023/1795 */
    RK_TRANSFER_SCC,            /* standard contractual clauses, decision (EU) 2021/914 */
    RK_TRANSFER_BCR,            /* binding corporate rules, art 47 */
    RK_TRANSFER_DEROGATION,     /* art 49 derogation */
    RK_TRANSFER_PRIVACY_SHIELD, /* invalid since 16 July 2020 (C-311/18) */
    RK_TRANSFER__COUNT
};

/* How a recipient is told of art 19 events (src/connect/, docs/recipients.md). */
enum rk_connector_type {
    RK_CONNECTOR_NONE,
    RK_CONNECTOR_WEBHOOK,
    RK_CONNECTOR_OPENGDPR,
    RK_CONNECTOR_MAILCHIMP,  /* the Mailchimp Marketing API 3.0 (connect/client.h) */
    RK_CONNECTOR_SALESFORCE, /* the Salesforce REST API (connect/client.h) */
};
enum rk_identity_format { RK_IDENTITY_RAW, RK_IDENTITY_SHA256 };

#define RK_CONNECTOR_URL_MAX 512
#define RK_ENV_NAME_MAX      64

struct rk_connector {
    enum rk_connector_type type; /* RK_CONNECTOR_NONE: not declared */
    struct rk_loc loc;
    /* https://…, or http://127.0.0.1|localhost…: webhook and opengdpr the endpoint;
     * mailchimp the API root (optional; NULL: https://<dc>.api.mailchimp.com/3.0 from the
     * key's data centre); salesforce the instance_url */
    const char *url;
    const char *secret_env; /* webhook, opengdpr: the environment variable holding the secret */
    enum rk_identity_format identity_format; /* opengdpr: how the email is sent */
    /* mailchimp */
    const char *list_id;              /* the audience */
    const char *api_key_env;          /* the environment variable holding the API key */
    const struct rk_purpose *purpose; /* whose audience is subscribed: connector.purpose, else
                                         the recipient's mailchimp.purpose */
    const char *restricted_tag;       /* the tag of a restricted member; default
                                         "rekisteri: restricted" */
    /* salesforce */
    const char *client_id_env, *client_secret_env; /* the connected app's credentials */
    const char *token_url;                         /* NULL: {url}/services/oauth2/token */
    const char *api_version;                       /* "60.0" when not declared */
    const char *external_id_field; /* the Contact field holding rekisteri's person id */
    const char *restriction_field; /* the Contact checkbox set while processing is restricted */
};

/* The inbound Mailchimp webhook of a recipient (POST /hooks/mailchimp/{secret}). */
struct rk_mailchimp {
    bool declared;
    struct rk_loc loc;
    const char *list_id;              /* the audience id Mailchimp sends in data[list_id] */
    const char *secret_env;           /* environment variable holding the URL's secret */
    const struct rk_purpose *purpose; /* the consent unsubscribe/cleaned withdraws */
};

/* What a recipient receives from one of its registers (recipients[].shares). */
struct rk_share {
    const struct rk_register *reg;
    struct rk_loc loc;                     /* the list of category ids */
    const struct rk_category **categories; /* never empty */
    size_t ncategories;
};

struct rk_recipient {
    const char *id;
    struct rk_loc loc;
    const char *name;
    enum rk_recipient_role role;
    char country[3];                /* ISO 3166-1 alpha-2, upper case */
    enum rk_transfer transfer;      /* adequacy when absent for a country with a decision */
    struct rk_loc transfer_loc;     /* where transfer was declared (loc when absent) */
    struct rk_date dpf_verified;    /* dpf_verified: the day the recipient (or the certified
                                       organisation covering it) was found on the Data Privacy
                                       Framework List; y == 0 when not declared. transfer dpf only */
    struct rk_text safeguards_copy; /* optional: how to get a copy of the safeguards or where
                                       they are available, art 13(1)(f), 14(1)(f) */
    struct rk_text purpose;         /* optional; what the recipient does */
    struct rk_register **registers;
    size_t nregisters;
    struct rk_connector connector; /* optional */
    struct rk_mailchimp mailchimp; /* optional */
    /* optional: one entry per register, in the order of registers; nshares == 0 when not
     * declared (then nothing may be sent by a connector: lint recipient-shares-missing) */
    struct rk_share *shares;
    size_t nshares;
    bool shares_by_register; /* declared as a map register id -> list */
    struct rk_loc shares_loc;
    struct rk_purpose **purposes; /* optional (recipients[].purposes): the purposes it serves */
    size_t npurposes;
    struct rk_loc purposes_loc;
};

/* What r receives from reg, or NULL when it declares no shares (or does not receive reg). */
const struct rk_share *rk_recipient_share(const struct rk_recipient *r,
                                          const struct rk_register *reg);
/* Whether r names p among its purposes (recipients[].purposes, or mailchimp.purpose). */
bool rk_recipient_serves(const struct rk_recipient *r, const struct rk_purpose *p);

#define RK_COOKIE_MAX_ORIGINS 16

/*
 * The website's cookies (cookies:), which drive the notice's cookie section and the consent
 * manager the service serves as /consent.js (src/views/consent_config.c, docs/cookies.md).
 */
enum rk_consent_signal { /* Google Consent Mode v2 signals a category's consent grants */
                         RK_GCM_AD_STORAGE = 1 << 0,
                         RK_GCM_ANALYTICS_STORAGE = 1 << 1,
                         RK_GCM_AD_USER_DATA = 1 << 2,
                         RK_GCM_AD_PERSONALIZATION = 1 << 3,
};
#define RK_GCM__COUNT 4

struct rk_cookie {
    const char *name;            /* "_ga"; a trailing '*' matches any rest ("_ga_*") */
    struct rk_duration lifetime; /* n == 0: a session cookie */
};

struct rk_cookie_vendor {
    struct rk_loc loc;
    const char *name;
    char country[3];                /* ISO 3166-1 alpha-2; "" when not declared */
    enum rk_transfer transfer;      /* as a recipient's; adequacy when absent for such a country */
    struct rk_loc transfer_loc;     /* where transfer was declared (loc when absent) */
    struct rk_date dpf_verified;    /* as a recipient's */
    struct rk_text safeguards_copy; /* as a recipient's */
    struct rk_cookie *cookies;      /* the cookies it sets on the site; may be empty */
    size_t ncookies;
};

struct rk_cookie_category {
    const char *id;
    struct rk_loc loc;
    struct rk_text name;
    struct rk_text purpose; /* optional; what the category is for, in the settings dialog */
    bool essential;         /* strictly necessary: no consent needed */
    unsigned consent_mode;  /* enum rk_consent_signal bits granted with this category */
    struct rk_cookie_vendor *vendors;
    size_t nvendors;
};

#define RK_COOKIE_VALIDITY_DEFAULT                                                                 \
    (struct rk_duration) { 12, 'm' }
#define RK_COOKIE_LOG_DEFAULT                                                                      \
    (struct rk_duration) { 3, 'y' }
struct rk_cookies {
    bool declared;
    struct rk_loc loc;
    struct rk_text description; /* optional */
    struct rk_cookie_category *categories;
    size_t ncategories;
    const char *origins[RK_COOKIE_MAX_ORIGINS]; /* the website(s) including /consent.js */
    size_t norigins;
    const char *settings_url; /* where the notice's "cookie settings" link goes; optional */
    struct rk_duration consent_validity; /* how long a choice is kept; default 12 months */
    struct rk_duration log_retention;    /* how long the consent log keeps a row; default 3 y */
};

/* Identity-verification methods for data-subject requests: a bit set. */
enum rk_verification {
    RK_VERIFY_IN_PERSON = 1 << 0,  /* staff see an identity document */
    RK_VERIFY_EMAIL_CODE = 1 << 1, /* one-time code to an address on file */
};
#define RK_VERIFY__COUNT 2

/* The art 22(2) exception an automated decision rests on. */
enum rk_adm_basis {
    RK_ADM_NONE,
    RK_ADM_CONTRACT,         /* (a) necessary for a contract with the person */
    RK_ADM_LAW,              /* (b) authorised by Union or member-state law */
    RK_ADM_EXPLICIT_CONSENT, /* (c) */
    RK_ADM__COUNT
};

/* The art 22(3) safeguards: a bit set. */
enum rk_adm_safeguard {
    RK_ADM_HUMAN_INTERVENTION = 1 << 0, /* a person reviews the decision on request */
    RK_ADM_EXPRESS_VIEW = 1 << 1,       /* the person can express their point of view */
    RK_ADM_CONTEST = 1 << 2,            /* the person can contest the decision */
};
#define RK_ADM_SAFEGUARD__COUNT 3
#define RK_ADM_SAFEGUARDS_ALL   (RK_ADM_HUMAN_INTERVENTION | RK_ADM_EXPRESS_VIEW | RK_ADM_CONTEST)

struct rk_rights {
    struct rk_loc loc;
    unsigned verification;       /* enum rk_verification bits; never 0 */
    struct rk_text instructions; /* optional; extra words on how to exercise */
    /* Art 22: decisions based solely on automated processing, with legal or similarly
     * significant effect. Profiling that leads to no such decision is declared per purpose
     * (struct rk_profiling), not here. */
    bool automated_decisions;              /* does such decision-making exist */
    struct rk_text automated_logic;        /* required when automated_decisions */
    struct rk_text automated_consequences; /* optional: the significance and envisaged
                                              consequences (art 13(2)(f)) */
    enum rk_adm_basis automated_basis;     /* automated_basis: art 22(2); NONE when absent */
    unsigned automated_safeguards;         /* enum rk_adm_safeguard bits (art 22(3)) */
};

/*
 * The mail limit (mail_limits:): how many mails one address may be sent on
 * anyone's say-so — form confirmations, request receipts and email_code
 * links share one budget per recipient (core/mail_limit.h). Defaults when
 * the section or a key is absent.
 */
#define RK_MAIL_MIN_INTERVAL_DEFAULT 600 /* seconds: at most one mail per 10 minutes */
#define RK_MAIL_PER_DAY_DEFAULT      5   /* and five in any 24 hours */
#define RK_MAIL_MIN_INTERVAL_MAX     86400
#define RK_MAIL_PER_DAY_MAX          1000
struct rk_mail_limits {
    struct rk_loc loc; /* of the section; line 0 when not declared */
    long min_interval; /* seconds, 1..RK_MAIL_MIN_INTERVAL_MAX */
    int per_day;       /* 1..RK_MAIL_PER_DAY_MAX */
};

struct rk_party {
    const char *name, *email, *phone, *address; /* each optional (NULL) */
};

struct rk_controller {
    struct rk_loc loc;
    const char *name;
    const char *business_id;
    const char *address;
    const char *phone;
    const char *email;    /* optional */
    const char *timezone; /* IANA name; Europe/Helsinki when not declared */
    /* financial_year_end: the last day of the financial period ("06-30"); {0, 0} when not
     * declared, which rk_financial_period_end() reads as the calendar year (12-31) */
    struct {
        int m, d;
    } financial_year_end;
    struct rk_party dpo;            /* optional: every field NULL when absent */
    struct rk_party representative; /* optional (art 27): every field NULL when absent */
};

struct rk_authority {
    struct rk_text name;
    const char *address, *postal_address, *phone, *email, *url; /* optional */
};

/* A staff role: which registers and categories its tokens may read and write. */
struct rk_role {
    const char *id;
    struct rk_loc loc;
    struct rk_text name;
    struct rk_register **registers;
    size_t nregisters;
    struct rk_category **categories; /* NULL with ncategories 0: every category of the registers */
    size_t ncategories;
    bool requests; /* may handle data-subject requests */
    bool staff;    /* may manage staff accounts and tokens (the console's Staff page) */
};

/*
 * A public web form (the service's /forms/{id}): what it collects into which
 * register for which consent purpose, the consent text shown next to it, and
 * the web origins allowed to post it from another site (CORS). Every form
 * uses double opt-in: the consent is live only once the emailed link is
 * followed, so a form must collect an email.
 */
#define RK_FORM_MAX_ORIGINS 16
struct rk_form {
    const char *id;
    struct rk_loc loc;
    struct rk_text name;
    const struct rk_register *reg;
    const struct rk_purpose *purpose;
    struct rk_category **fields; /* categories collected, each a contact field */
    struct rk_text *labels;      /* nfields entries: each field's label; absent (fi NULL): the
                                    category's name */
    size_t nfields;
    struct rk_category **required; /* a subset of fields; always includes email */
    size_t nrequired;
    const char *origins[RK_FORM_MAX_ORIGINS]; /* "https://www.example.fi" */
    size_t norigins;
    struct rk_text consent_text;
};

/* The label form f shows for its i-th field in lang: the declared label, else the category's
 * name. */
const char *rk_form_label(const struct rk_form *f, size_t i, enum rk_lang lang);

/*
 * The public pages' branding (branding:): the company's name in their header, its logo, one
 * accent colour, footer links and one CSS file of its own. The logo and the stylesheet are
 * files beside the declaration, read by rk_decl_load (rk_decl_parse only records their paths,
 * so the parser never touches the file system) and served from memory at content-hashed
 * same-origin paths, so the pages' CSP stays strict.
 */
#define RK_LOGO_MAX        ((size_t)100 * 1024) /* bytes of the logo file */
#define RK_BRAND_CSS_MAX   ((size_t)64 * 1024)  /* bytes of the company's stylesheet */
#define RK_BRAND_LINKS_MAX 8
struct rk_brand_link {
    struct rk_text label;
    const char *url; /* https://… or http://…, printable ASCII */
};
struct rk_branding {
    struct rk_loc loc; /* line 0: not declared */
    const char *name;  /* controller.name when not declared */
    const char *logo;  /* the path as declared, relative to the declaration; NULL */
    struct rk_loc logo_loc;
    const char *logo_type;          /* image/png, image/svg+xml, image/jpeg, image/webp */
    const unsigned char *logo_data; /* rk_decl_load: the file's bytes; else NULL */
    size_t logo_len;
    char accent[8]; /* "#rrggbb" (lower case); "" when not declared */
    struct rk_loc accent_loc;
    struct rk_brand_link *links;
    size_t nlinks;
    const char *stylesheet; /* the path as declared; NULL */
    struct rk_loc stylesheet_loc;
    const char *stylesheet_data; /* rk_decl_load: the file's text (NUL-terminated); else NULL */
    size_t stylesheet_len;
};

/* The mail's headers (mail:): From and Reply-To; each optional (NULL). */
struct rk_mail_headers {
    struct rk_loc loc;
    const char *from, *reply_to;
};

struct rk_exclusion {
    const char *id;
    struct rk_loc loc;
    struct rk_text text;
};

struct rk_decl {
    struct rk_arena arena;
    const char *path; /* as given to the loader */
    int version;      /* the "rekisteri:" schema version, 1 */

    struct rk_date drafted, last_changed;
    struct rk_text intro; /* optional */
    /* where intro, provision and transfers_note were declared (line 0 when absent), so that
     * the linter can point at them */
    struct rk_loc intro_loc, provision_loc, transfers_note_loc;

    struct rk_controller controller;
    struct rk_exclusion *exclusions;
    size_t nexclusions;
    struct rk_purpose *purposes;
    size_t npurposes;
    struct rk_category *categories;
    size_t ncategories;
    struct rk_register *registers;
    size_t nregisters;
    struct rk_source *sources;
    size_t nsources;
    struct rk_text provision; /* optional; art 13(2)(e) */
    struct rk_recipient *recipients;
    size_t nrecipients;
    struct rk_text transfers_note; /* optional */
    struct rk_cookies cookies;
    struct rk_rights rights;
    struct rk_mail_limits mail_limits;
    struct rk_authority authority;
    struct rk_role *roles; /* staff roles for the service's tokens; may be empty */
    size_t nroles;
    struct rk_form *forms; /* public web forms; may be empty */
    size_t nforms;
    struct rk_branding branding;
    struct rk_mail_headers mail;
    struct rk_text *security; /* art 32 measures, for the record (art 30(1)(g)) */
    size_t nsecurity;
    struct rk_loc security_loc;
};

/*
 * Loads and validates the declaration in the file at path. On success *out is
 * a new declaration (free with rk_decl_free). On failure returns RK_EDECL with
 * every problem found in diags (file:line:col and what was expected), or
 * RK_ENOENT / RK_EIO / RK_ETOOBIG with one entry in diags.
 */
RK_MUST_USE rk_err rk_decl_load(const char *path, struct rk_diags *diags, struct rk_decl **out);

/* As rk_decl_load, from len bytes at buf; name is used in messages. */
RK_MUST_USE rk_err rk_decl_parse(const char *name, const char *buf, size_t len,
                                 struct rk_diags *diags, struct rk_decl **out);

void rk_decl_free(struct rk_decl *d);

/* Lookups by id; NULL when not declared. */
const struct rk_purpose *rk_decl_purpose(const struct rk_decl *d, const char *id);
const struct rk_category *rk_decl_category(const struct rk_decl *d, const char *id);
const struct rk_register *rk_decl_register(const struct rk_decl *d, const char *id);
const struct rk_recipient *rk_decl_recipient(const struct rk_decl *d, const char *id);
const struct rk_role *rk_decl_role(const struct rk_decl *d, const char *id);
const struct rk_form *rk_decl_form(const struct rk_decl *d, const char *id);
/* Whether the form lists origin ("https://host[:port]") among its origins. */
bool rk_form_origin_allowed(const struct rk_form *f, const char *origin);

/* Where replies to the service's mail go: mail.reply_to, else controller.email, else the DPO's
 * email; NULL when none is declared. */
const char *rk_decl_reply_to(const struct rk_decl *d);

/* Whether role r may see register reg_id, and category cat_id in it. */
bool rk_role_grants(const struct rk_role *r, const char *reg_id, const char *cat_id);

/* The declaration's spelling of each enum value ("consent", "web_form", ...). */
const char *rk_basis_id(enum rk_basis b);
char rk_basis_letter(enum rk_basis b); /* 'a'..'f' */
const char *rk_withdrawal_id(enum rk_withdrawal w);
const char *rk_category_kind_id(enum rk_category_kind k);
const char *rk_retention_event_id(enum rk_retention_event e);
const char *rk_source_kind_id(enum rk_source_kind k);
const char *rk_role_id(enum rk_recipient_role r);
const char *rk_connector_type_id(enum rk_connector_type t);
const char *rk_identity_format_id(enum rk_identity_format f);
const char *rk_transfer_id(enum rk_transfer t);
const char *rk_verification_id(enum rk_verification v);
const char *rk_consent_signal_id(enum rk_consent_signal s); /* "ad_storage", ... */
const char *rk_channel_id(enum rk_channel c);               /* "email", ... */
const char *rk_audience_id(enum rk_audience a);             /* "consumers", ... */
const char *rk_special_id(enum rk_special s);               /* "health", ... */
const char *rk_art9_condition_id(enum rk_art9_condition c); /* "explicit_consent", ... */
char rk_art9_condition_letter(enum rk_art9_condition c);    /* 'a'..'j'; '?' for NONE */
const char *rk_adm_basis_id(enum rk_adm_basis b);           /* "contract", ... */
const char *rk_adm_safeguard_id(enum rk_adm_safeguard s);   /* "human_intervention", ... */

/* Whether register r declares purpose p. */
bool rk_register_has_purpose(const struct rk_register *r, const struct rk_purpose *p);
/* Whether source s feeds register r for purpose p: r is among its registers, and p among its
 * purposes (a source that names none feeds every purpose of its registers). */
bool rk_source_feeds(const struct rk_source *s, const struct rk_register *r,
                     const struct rk_purpose *p);
/* Whether the declaration lets data from a source of kind k into register r for purpose p; a
 * declaration that declares no sources at all lets any in. */
bool rk_decl_source_allowed(const struct rk_decl *d, enum rk_source_kind k,
                            const struct rk_register *r, const struct rk_purpose *p);

/* Whether any purpose declares profiling. */
bool rk_decl_profiles(const struct rk_decl *d);

/*
 * The last day of the financial period that contains day, with the declared
 * controller.financial_year_end (the calendar year when not declared); a period ending on
 * 29 February ends on the 28th in other years.
 */
struct rk_date rk_financial_period_end(const struct rk_decl *d, struct rk_date day);

/*
 * Until when a category kept under erasure.keep_years (RK_ERASE_KEEP) must be kept for an
 * event on day (an invoice date, a contract's end): keep_years from the day itself, from the
 * end of its calendar year, or from the end of the calendar year in which its financial period
 * ended. {0, 0, 0} for a category that is not kept.
 */
struct rk_date rk_category_keep_until(const struct rk_decl *d, const struct rk_category *cat,
                                      struct rk_date day);

/* Countries (decl/country.c). Codes are ISO 3166-1 alpha-2, upper case. */
bool rk_country_known(const char *code); /* in the table below (EEA, adequacy, names) */
/* Whether code is an officially assigned ISO 3166-1 alpha-2 code ("EU" is not). */
bool rk_country_assigned(const char *code);
bool rk_country_in_eea(const char *code);
/* True when the Commission has an art 45 adequacy decision for the whole country. */
bool rk_country_adequate(const char *code);
/* The country's name in lang; the code itself when the table lacks it. */
const char *rk_country_name(const char *code, enum rk_lang lang);

/* A duration as words: "2 vuotta" / "2 years". Writes at most n bytes to out. */
void rk_duration_format(struct rk_duration d, enum rk_lang lang, char *out, size_t n);
/* A date: "30.9.2018" (fi) or "30 September 2018" (en). */
void rk_date_format(struct rk_date d, enum rk_lang lang, char *out, size_t n);

#endif
