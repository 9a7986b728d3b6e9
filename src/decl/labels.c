/*
 * labels.c — the Finnish and English words for the declaration's enums, and
 * the sentences the privacy notice and the record of processing share
 * (labels_legal.c has those of profiling, objection, special categories and
 * the other finer rules).
 *
 * The Finnish wording follows the source notice (tietosuojaseloste) where it
 * has one; the English follows the GDPR's English text. Everything written
 * here is plain text; renderers escape it for their format.
 */
#include "decl/labels.h"

#include <string.h>

#include "decl/labels_impl.h"

static const struct pair bases[RK_BASIS__COUNT] = {
    {"rekisteröidyn suostumus, 6 art. 1 a", "consent of the data subject, art 6(1)(a)"},
    {"sopimus, jossa rekisteröity on osapuolena, 6 art. 1 b",
     "contract to which the data subject is party, art 6(1)(b)"},
    {"rekisterinpitäjän lakisääteisen velvoitteen noudattaminen, 6 art. 1 c",
     "compliance with a legal obligation of the controller, art 6(1)(c)"},
    {"rekisteröidyn tai toisen luonnollisen henkilön elintärkeiden etujen suojaaminen, "
     "6 art. 1 d",
     "protection of the vital interests of the data subject or of another natural person, "
     "art 6(1)(d)"},
    {"yleisen edun mukainen tehtävä tai julkisen vallan käyttäminen, 6 art. 1 e",
     "a task carried out in the public interest or in the exercise of official authority, "
     "art 6(1)(e)"},
    {"rekisterinpitäjän tai kolmannen osapuolen oikeutettu etu, 6 art. 1 f",
     "legitimate interests of the controller or of a third party, art 6(1)(f)"},
};

const char *rk_label_basis(enum rk_basis b, enum rk_lang lang) {
    return get(bases, RK_BASIS__COUNT, (unsigned)b, lang);
}

const char *rk_label_basis_cite(enum rk_basis b, enum rk_lang lang) {
    static const struct pair cites[RK_BASIS__COUNT] = {
        {"6 art. 1 a", "art 6(1)(a)"}, {"6 art. 1 b", "art 6(1)(b)"}, {"6 art. 1 c", "art 6(1)(c)"},
        {"6 art. 1 d", "art 6(1)(d)"}, {"6 art. 1 e", "art 6(1)(e)"}, {"6 art. 1 f", "art 6(1)(f)"},
    };
    return get(cites, RK_BASIS__COUNT, (unsigned)b, lang);
}

const char *rk_label_basis_article(enum rk_basis b) {
    static const char *const articles[RK_BASIS__COUNT] = {"6(1)(a)", "6(1)(b)", "6(1)(c)",
                                                          "6(1)(d)", "6(1)(e)", "6(1)(f)"};
    return (unsigned)b < RK_BASIS__COUNT ? articles[b] : "?";
}

const char *rk_label_withdrawal(enum rk_withdrawal w, enum rk_lang lang) {
    static const struct pair withdrawals[RK_WITHDRAW__COUNT] = {
        {"klikkaamalla uutiskirjeen tai markkinointiviestin linkkiä",
         "by clicking the link in a newsletter or marketing message"},
        {"ilmoittamalla siitä kohdan 1 yhteystietoja käyttämällä",
         "by notifying us using the contact details in section 1"},
        {"muuttamalla valintojaan omalla asetussivullaan",
         "by changing their choices on their own preferences page"},
        {"ilmoittamalla siitä sähköpostitse", "by notifying us by email"},
    };
    return get(withdrawals, RK_WITHDRAW__COUNT, bit_index(w, RK_WITHDRAW__COUNT), lang);
}

const char *rk_label_category_kind(enum rk_category_kind k, enum rk_lang lang) {
    static const struct pair kinds[RK_CAT__COUNT] = {
        {"tunnistetiedot", "identity data"},
        {"yhteystiedot", "contact data"},
        {"sopimustiedot", "contract data"},
        {"laskutustiedot", "billing data"},
        {"kiinnostus- ja valintatiedot", "interests and preferences"},
        {"tekniset tiedot", "technical data"},
        {"muut tiedot", "other data"},
    };
    return get(kinds, RK_CAT__COUNT, (unsigned)k, lang);
}

const char *rk_label_retention_event(enum rk_retention_event e, enum rk_lang lang) {
    static const struct pair events[RK_UNTIL__COUNT] = {
        {"asiakassuhteen ajan", "for the duration of the customer relationship"},
        {"sopimuksen voimassaolon ajan", "for as long as the contract is in force"},
        {"kunnes rekisteröity peruuttaa suostumuksensa",
         "until the data subject withdraws their consent"},
        {"kunnes suostumuksen voimassaolo päättyy", "until the consent expires"},
        {"kunnes käsittelyn tarkoitus on täyttynyt",
         "until the purpose of the processing has been fulfilled"},
    };
    return get(events, RK_UNTIL__COUNT, bit_index(e, RK_UNTIL__COUNT), lang);
}

const char *rk_label_source(enum rk_source_kind k, enum rk_lang lang) {
    static const struct pair sources[RK_SRC__COUNT] = {
        {"www-lomakkeet", "web forms"},
        {"sähköposti", "email"},
        {"puhelin", "phone"},
        {"sopimukset", "contracts"},
        {"asiakastapaamiset", "customer meetings"},
        {"muut tilanteet, joissa asiakas luovuttaa tietojaan",
         "other situations where the customer hands over their data"},
        {"yleisesti saatavilla olevat lähteet", "publicly available sources"},
        {"kolmannet osapuolet", "third parties"},
    };
    return get(sources, RK_SRC__COUNT, (unsigned)k, lang);
}

const char *rk_label_role(enum rk_recipient_role r, enum rk_lang lang) {
    static const struct pair roles[2] = {
        {"henkilötietojen käsittelijä", "processor"},
        {"rekisterinpitäjä", "controller"},
    };
    return get(roles, 2, (unsigned)r, lang);
}

const char *rk_label_transfer(enum rk_transfer t, enum rk_lang lang) {
    static const struct pair transfers[RK_TRANSFER__COUNT] = {
        {"ei ilmoitettu", "not declared"},
        {"komission päätös tietosuojan riittävyydestä (45 art.)",
         "Commission adequacy decision (art 45)"},
        {"EU–US Data Privacy Framework (komission päätös (EU) 2023/1795)",
         "EU–US Data Privacy Framework (Commission decision (EU) 2023/1795)"},
        {"vakiosopimuslausekkeet (komission päätös (EU) 2021/914)",
         "standard contractual clauses (Commission decision (EU) 2021/914)"},
        {"yritystä koskevat sitovat säännöt (47 art.)", "binding corporate rules (art 47)"},
        {"erityistilanteita koskeva poikkeus (49 art.)",
         "derogation for specific situations (art 49)"},
        /* Never as a valid basis: the Court of Justice invalidated it (C-311/18). */
        {"EU-U.S. Privacy Shield -järjestely, joka ei ole ollut pätevä siirtoperuste "
         "16.7.2020 jälkeen (unionin tuomioistuimen tuomio C-311/18)",
         "EU-U.S. Privacy Shield, which has not been a valid basis for transfers since "
         "16 July 2020 (Court of Justice, C-311/18)"},
    };
    return get(transfers, RK_TRANSFER__COUNT, (unsigned)t, lang);
}

const char *rk_label_verification(enum rk_verification v, enum rk_lang lang) {
    static const struct pair methods[RK_VERIFY__COUNT] = {
        {"tulemalla henkilökohtaisesti kohdassa 1 ilmoitettuun osoitteeseen ja esittämällä "
         "henkilöllisyystodistuksen",
         "by coming in person to the address given in section 1 and showing an identity "
         "document"},
        {"syöttämällä kertakäyttöisen koodin, jonka lähetämme rekisterissä olevaan "
         "sähköpostiosoitteeseesi",
         "by entering a one-time code that we send to the email address we hold for you"},
    };
    return get(methods, RK_VERIFY__COUNT, bit_index(v, RK_VERIFY__COUNT), lang);
}

static const struct {
    int article;
    struct pair name;
} rights[RK_RIGHT__COUNT] = {
    {15,
     {"Oikeus saada pääsy henkilötietoihisi eli oikeus tarkistaa, mitä henkilötietoja "
      "käsittelemme",
      "Right of access: the right to check what personal data we process about you"}},
    {16, {"Oikeus tietojen oikaisemiseen", "Right to rectification"}},
    {17,
     {"Oikeus tulla unohdetuksi eli oikeus tietojen poistamiseen",
      "Right to erasure, also called the right to be forgotten"}},
    {18, {"Oikeus käsittelyn rajoittamiseen", "Right to restriction of processing"}},
    {20, {"Oikeus siirtää tiedot järjestelmästä toiseen", "Right to data portability"}},
    {21, {"Vastustamisoikeus", "Right to object"}},
    {22,
     /* Art 22 is not a right to object to every profiling (that is art 21, where it applies). */
     {"Oikeus olla joutumatta sellaisen päätöksen kohteeksi, joka perustuu pelkästään "
      "automaattiseen käsittelyyn, kuten profilointiin",
      "Right not to be subject to a decision based solely on automated processing, including "
      "profiling"}},
};

const char *rk_label_right(enum rk_right r, enum rk_lang lang) {
    if ((unsigned)r >= RK_RIGHT__COUNT)
        return "?";
    return lang == RK_LANG_FI ? rights[r].name.fi : rights[r].name.en;
}

bool rk_label_right_applies(const struct rk_decl *d, enum rk_right r) {
    bool any = false;
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        if (r == RK_RIGHT_PORTABILITY)
            any |= p->basis == RK_BASIS_CONSENT || p->basis == RK_BASIS_CONTRACT;
        else if (r == RK_RIGHT_OBJECTION)
            any |= p->basis == RK_BASIS_LEGITIMATE_INTERESTS || p->basis == RK_BASIS_PUBLIC_TASK ||
                   p->marketing.declared;
        else
            return true;
    }
    return any || (r != RK_RIGHT_PORTABILITY && r != RK_RIGHT_OBJECTION);
}

int rk_label_right_article(enum rk_right r) {
    return (unsigned)r < RK_RIGHT__COUNT ? rights[r].article : 0;
}

const char *rk_label_not_declared(enum rk_lang lang) {
    return RK_PICK(lang, "ei ilmoitettu", "not declared");
}

/* Appends the labels of the set bits among the low nbits of bits as "A, B tai C". */
static void join_bits(unsigned bits, unsigned nbits, const char *(*label)(unsigned, enum rk_lang),
                      enum rk_lang lang, struct rk_buf *out) {
    unsigned total = 0, done = 0;
    for (unsigned i = 0; i < nbits; i++)
        total += (bits >> i) & 1u;
    for (unsigned i = 0; i < nbits; i++) {
        if (!((bits >> i) & 1u))
            continue;
        if (done > 0)
            rk_buf_puts(out, done + 1 == total ? RK_PICK(lang, " tai ", " or ") : ", ");
        rk_buf_puts(out, label(1u << i, lang));
        done++;
    }
}

/* Adapters giving the bit-set labels join_bits' signature. */
static const char *withdrawal_of(unsigned bit, enum rk_lang lang) {
    return rk_label_withdrawal((enum rk_withdrawal)bit, lang);
}
static const char *event_of(unsigned bit, enum rk_lang lang) {
    return rk_label_retention_event((enum rk_retention_event)bit, lang);
}
static const char *verification_of(unsigned bit, enum rk_lang lang) {
    return rk_label_verification((enum rk_verification)bit, lang);
}

void rk_label_withdrawal_channels(const struct rk_purpose *p, enum rk_lang lang,
                                  struct rk_buf *out) {
    unsigned bits = p->withdrawal & ((1u << RK_WITHDRAW__COUNT) - 1);
    join_bits(bits ? bits : RK_WITHDRAW_CONTACT, RK_WITHDRAW__COUNT, withdrawal_of, lang, out);
}

void rk_label_verification_methods(unsigned bits, enum rk_lang lang, struct rk_buf *out) {
    join_bits(bits, RK_VERIFY__COUNT, verification_of, lang, out);
}

/* Appends part to a comma-separated line, with an optional prefix word. */
static void part(struct rk_buf *out, size_t start, const char *prefix, const char *value) {
    if (!value)
        return;
    if (out->len > start)
        rk_buf_puts(out, ", ");
    if (prefix) {
        rk_buf_puts(out, prefix);
        rk_buf_putc(out, ' ');
    }
    rk_buf_puts(out, value);
}

bool rk_label_contact_present(const struct rk_party *c) {
    return c->name || c->email || c->phone || c->address;
}

void rk_label_contact(const struct rk_party *c, enum rk_lang lang, struct rk_buf *out) {
    size_t start = out->len;
    part(out, start, NULL, c->name);
    part(out, start, NULL, c->address);
    part(out, start, RK_PICK(lang, "puhelin", "phone"), c->phone);
    part(out, start, RK_PICK(lang, "sähköposti", "email"), c->email);
}

void rk_label_controller(const struct rk_controller *c, enum rk_lang lang, struct rk_buf *out) {
    size_t start = out->len;
    part(out, start, NULL, c->name);
    if (c->business_id)
        rk_buf_printf(out, " (%s %s)", RK_PICK(lang, "Y-tunnus", "business ID"), c->business_id);
    part(out, start, NULL, c->address);
    part(out, start, RK_PICK(lang, "puhelin", "phone"), c->phone);
    part(out, start, RK_PICK(lang, "sähköposti", "email"), c->email);
}

/* "Tietoja säilytetään asiakassuhteen ajan ... ." and the grace period after it. */
static void retention_events(const struct rk_retention *t, enum rk_lang lang, struct rk_buf *out) {
    unsigned bits = t->until & ((1u << RK_UNTIL__COUNT) - 1);
    unsigned first = 0;
    while (!((bits >> first) & 1u))
        first++;
    const char *phrase = event_of(1u << first, lang);
    bool clause = strncmp(phrase, "kunnes", 6) == 0; /* Finnish puts a comma before it */
    rk_buf_puts(out, RK_PICK(lang, clause ? "Tietoja säilytetään, " : "Tietoja säilytetään ",
                             "The data is kept "));
    join_bits(bits, RK_UNTIL__COUNT, event_of, lang, out);
    rk_buf_putc(out, '.');
    if (t->grace.n > 0) {
        char dur[64];
        rk_duration_format(t->grace, lang, dur, sizeof dur);
        rk_buf_printf(out,
                      RK_PICK(lang,
                              " Tämän jälkeen tietoja säilytetään vielä %s, minkä "
                              "jälkeen ne poistetaan.",
                              " After that the data is kept for a further %s and then "
                              "erased."),
                      dur);
    }
}

/* One sentence "<lead> <duration>.", when the duration is given. */
static void duration_sentence(struct rk_buf *out, size_t start, struct rk_duration d,
                              enum rk_lang lang, const char *lead) {
    if (d.n <= 0)
        return;
    char dur[64];
    rk_duration_format(d, lang, dur, sizeof dur);
    sentence(out, start);
    rk_buf_printf(out, "%s %s.", lead, dur);
}

void rk_label_retention(const struct rk_register *r, enum rk_lang lang, struct rk_buf *out) {
    const struct rk_retention *t = &r->retention;
    size_t start = out->len;
    bool events = t->declared && (t->until & ((1u << RK_UNTIL__COUNT) - 1)) != 0;
    if (events)
        retention_events(t, lang, out);
    if (t->declared) {
        duration_sentence(
            out, start, t->period, lang,
            events ? RK_PICK(lang, "Tietoja säilytetään kuitenkin enintään",
                             "In any case the data is kept for at most")
                   : RK_PICK(lang, "Tietoja säilytetään enintään", "The data is kept for at most"));
        duration_sentence(out, start, t->prospects, lang,
                          RK_PICK(lang, "Potentiaalisten asiakkaiden tietoja säilytetään enintään",
                                  "Data on prospective customers is kept for at most"));
        if (rk_text_present(&t->text)) {
            sentence(out, start);
            rk_buf_puts(out, rk_text_get(&t->text, lang));
        }
    }
    if (out->len == start)
        rk_buf_puts(out, RK_PICK(lang, "Säilytysaikaa ei ole ilmoitettu.",
                                 "No retention period has been declared."));
}

/* True when p rests on consent and declares how long the consent is valid. */
static bool has_validity(const struct rk_purpose *p) {
    return p->basis == RK_BASIS_CONSENT && p->consent_validity.n > 0;
}

void rk_label_consent_validity(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out) {
    if (!has_validity(p))
        return;
    char dur[64];
    rk_duration_format(p->consent_validity, lang, dur, sizeof dur);
    rk_buf_printf(out,
                  RK_PICK(lang, "Käsittelytarkoitukseen ”%s” annettu suostumus on voimassa %s.",
                          "Consent given for the purpose “%s” is valid for %s."),
                  rk_text_get(&p->name, lang), dur);
}

/* Where a keep is counted from, as words completing "kept for 6 years ...". */
static void erasure_from(const struct rk_decl *d, enum rk_erasure_from from, enum rk_lang lang,
                         struct rk_buf *out) {
    switch (from) {
    case RK_FROM_EVENT:
        rk_buf_puts(
            out, RK_PICK(lang, "tiedon kirjaamisesta lukien", "from when the data was recorded"));
        return;
    case RK_FROM_END_OF_CALENDAR_YEAR:
        rk_buf_puts(out,
                    RK_PICK(lang, "sen kalenterivuoden päättymisestä, jona tieto kirjattiin",
                            "from the end of the calendar year in which the data was recorded"));
        return;
    case RK_FROM_END_OF_FINANCIAL_PERIOD: break;
    }
    rk_buf_puts(out, RK_PICK(lang,
                             "sen kalenterivuoden päättymisestä, jonka aikana kirjauksen tilikausi "
                             "päättyi",
                             "from the end of the calendar year in which the financial period of "
                             "the record ended"));
    int m = d ? d->controller.financial_year_end.m : 0,
        dd = d ? d->controller.financial_year_end.d : 0;
    if (m == 0 || (m == 12 && dd == 31))
        rk_buf_puts(out, RK_PICK(lang, " (tilikausi on kalenterivuosi)",
                                 " (the financial year is the calendar year)"));
    else
        rk_buf_printf(out,
                      RK_PICK(lang, " (tilikausi päättyy %d.%d.)", " (financial year ends %d.%d.)"),
                      dd, m);
}

void rk_label_erasure(const struct rk_decl *d, const struct rk_category *c, enum rk_lang lang,
                      struct rk_buf *out) {
    const struct rk_erasure *e = &c->erasure;
    if (e->rule != RK_ERASE_KEEP)
        return;
    char dur[64];
    rk_duration_format((struct rk_duration){e->keep_years, 'y'}, lang, dur, sizeof dur);
    rk_buf_printf(out, RK_PICK(lang, "%s: säilytetään %s ", "%s: kept for %s "),
                  rk_text_get(&c->name, lang), dur);
    erasure_from(d, e->from, lang, out);
    rk_buf_puts(out, RK_PICK(lang, ", vaikka rekisteröity pyytäisi tietojen poistamista",
                             ", even if erasure is requested"));
    if (rk_text_present(&e->obligation))
        rk_buf_printf(out, RK_PICK(lang, " (peruste: %s)", " (ground: %s)"),
                      rk_text_get(&e->obligation, lang));
    rk_buf_puts(out, RK_PICK(lang, "; tänä aikana tietojen käsittelyä rajoitetaan.",
                             "; during that time processing of the data is restricted."));
}

void rk_label_erasure_limits(const struct rk_decl *d, const struct rk_register *r,
                             const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out) {
    size_t start = out->len;
    rk_label_retention(r, lang, out);
    for (size_t i = 0; i < r->npurposes; i++) {
        if ((p && r->purposes[i] != p) || !has_validity(r->purposes[i]))
            continue;
        sentence(out, start);
        rk_label_consent_validity(r->purposes[i], lang, out);
    }
    for (size_t i = 0; i < r->ncategories; i++) {
        if (r->categories[i]->erasure.rule != RK_ERASE_KEEP)
            continue;
        sentence(out, start);
        rk_label_erasure(d, r->categories[i], lang, out);
    }
}

bool rk_label_category_used(const struct rk_decl *d, const struct rk_category *c) {
    for (size_t i = 0; i < d->nregisters; i++)
        for (size_t j = 0; j < d->registers[i].ncategories; j++)
            if (d->registers[i].categories[j] == c)
                return true;
    return false;
}

void rk_label_put_md_line(struct rk_buf *out, const char *s) {
    if (!strchr(s, '\n')) {
        rk_buf_put_md(out, s);
        return;
    }
    char one[2] = {0, 0};
    for (; *s; s++) {
        one[0] = *s;
        if (one[0] == '\n')
            one[0] = ' ';
        rk_buf_put_md(out, one);
    }
}
