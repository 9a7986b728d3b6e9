/*
 * labels_legal.c — the sentences of the GDPR's finer rules that the notice, the
 * record of processing, the access answer, the art 22 answer and the first-contact
 * text share (labels.h): profiling and automated decisions, the right to object,
 * direct marketing, the balancing test, special categories, children, named
 * sources, transfer safeguards. Each says only what the declaration supports.
 */
#include <stdio.h>
#include <string.h>

#include "decl/labels.h"
#include "decl/labels_impl.h"

/* ---- What the finer rules turn on (issue 16) ------------------------------------------------ */

/* Appends the declared text t in lang, then a full stop unless it already ends a sentence. */
static void put_sentence_text(struct rk_buf *out, const struct rk_text *t, enum rk_lang lang) {
    const char *s = rk_text_get(t, lang);
    if (!s)
        return;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        n--;
    rk_buf_printf(out, "%.*s", (int)n, s);
    if (n == 0 || !strchr(".!?", s[n - 1]))
        rk_buf_putc(out, '.');
}

/* A set of purposes: every purpose of a declaration (all), or a list of them (ptrs). */
struct purpose_set {
    const struct rk_purpose *all;
    const struct rk_purpose *const *ptrs;
    size_t n;
};

static const struct rk_purpose *set_at(const struct purpose_set *ps, size_t i) {
    return ps->ptrs ? ps->ptrs[i] : &ps->all[i];
}

static struct purpose_set decl_set(const struct rk_decl *d) {
    return (struct purpose_set){.all = d->purposes, .n = d->npurposes};
}

/* Appends the names of purposes (“A”, “B” ja “C”) of ps that pick() accepts; returns how many. */
static size_t purpose_names(const struct purpose_set *ps, bool (*pick)(const struct rk_purpose *),
                            enum rk_lang lang, struct rk_buf *out) {
    size_t total = 0, done = 0;
    for (size_t i = 0; i < ps->n; i++)
        total += pick(set_at(ps, i));
    for (size_t i = 0; i < ps->n; i++) {
        const struct rk_purpose *p = set_at(ps, i);
        if (!pick(p))
            continue;
        if (done > 0)
            rk_buf_puts(out, done + 1 == total ? RK_PICK(lang, " ja ", " and ") : ", ");
        rk_buf_printf(out, RK_PICK(lang, "”%s”", "“%s”"), rk_text_get(&p->name, lang));
        done++;
    }
    return total;
}

void rk_label_transfer_detail(enum rk_transfer t, struct rk_date dpf_verified,
                              const struct rk_text *safeguards_copy, enum rk_lang lang,
                              struct rk_buf *out) {
    if (t == RK_TRANSFER_DPF && dpf_verified.y) {
        char date[64];
        rk_date_format(dpf_verified, lang, date, sizeof date);
        rk_buf_printf(out,
                      RK_PICK(lang,
                              "vastaanottaja on sertifioitu EU:n ja Yhdysvaltojen välisen "
                              "tietosuojakehyksen (EU–US Data Privacy Framework, komission päätös "
                              "(EU) 2023/1795) mukaisesti; tarkistettu DPF-listalta %s",
                              "the recipient is certified under the EU-US Data Privacy Framework "
                              "(decision (EU) 2023/1795); checked on the DPF List on %s"),
                      date);
        return;
    }
    rk_buf_puts(out, rk_label_transfer(t, lang));
    if ((t == RK_TRANSFER_SCC || t == RK_TRANSFER_BCR) && safeguards_copy &&
        rk_text_present(safeguards_copy))
        rk_buf_printf(out,
                      RK_PICK(lang, "; jäljennöksen suojatoimista saa näin: %s",
                              "; how to get a copy of the safeguards: %s"),
                      rk_text_get(safeguards_copy, lang));
}

void rk_label_profiling(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out) {
    const struct rk_profiling *pr = &p->profiling;
    if (!pr->declared)
        return;
    rk_buf_printf(out,
                  RK_PICK(lang,
                          "Käsittelytarkoitukseen ”%s” kuuluu profilointia (4 art. 4 kohta). "
                          "Arvioitavat tiedot: ",
                          "The purpose “%s” involves profiling (art 4(4)). What is evaluated: "),
                  rk_text_get(&p->name, lang));
    put_sentence_text(out, &pr->what, lang);
    rk_buf_puts(out, RK_PICK(lang, " Käytetty logiikka: ", " The logic involved: "));
    put_sentence_text(out, &pr->logic, lang);
    rk_buf_puts(out, RK_PICK(lang, " Merkitys ja seuraukset sinulle: ",
                             " The significance and consequences for you: "));
    put_sentence_text(out, &pr->consequences, lang);
}

static const char *adm_basis_words(enum rk_adm_basis b, enum rk_lang lang) {
    switch (b) {
    case RK_ADM_CONTRACT:
        return RK_PICK(lang,
                       "päätös on välttämätön sinun ja meidän välisen sopimuksen tekemistä tai "
                       "täytäntöönpanoa varten (22 art. 2 a)",
                       "the decision is necessary for entering into or performing a contract "
                       "between you and us (art 22(2)(a))");
    case RK_ADM_LAW:
        return RK_PICK(lang,
                       "päätös on sallittu unionin tai jäsenvaltion lainsäädännössä "
                       "(22 art. 2 b)",
                       "the decision is authorised by Union or Member State law (art 22(2)(b))");
    case RK_ADM_EXPLICIT_CONSENT:
        return RK_PICK(lang, "nimenomainen suostumuksesi (22 art. 2 c)",
                       "your explicit consent (art 22(2)(c))");
    case RK_ADM_NONE:
    case RK_ADM__COUNT: break;
    }
    return NULL;
}

static const char *adm_safeguard_of(unsigned bit, enum rk_lang lang) {
    static const struct pair words[RK_ADM_SAFEGUARD__COUNT] = {
        {"vaatia, että ihminen käsittelee päätöksen uudelleen",
         "to obtain human intervention (a person reviews the decision)"},
        {"esittää oma näkemyksesi", "to express your point of view"},
        {"riitauttaa päätös", "to contest the decision"},
    };
    return get(words, RK_ADM_SAFEGUARD__COUNT, bit_index(bit, RK_ADM_SAFEGUARD__COUNT), lang);
}

void rk_label_automated(const struct rk_rights *r, enum rk_lang lang, struct rk_buf *out) {
    if (!r->automated_decisions) {
        rk_buf_puts(out, RK_PICK(lang,
                                 "Emme tee pelkästään automaattiseen käsittelyyn perustuvia "
                                 "päätöksiä, joilla olisi sinua koskevia oikeusvaikutuksia tai "
                                 "muita vastaavia merkittäviä vaikutuksia (22 art.).",
                                 "We make no decisions based solely on automated processing that "
                                 "would produce legal effects concerning you or similarly "
                                 "significantly affect you (art 22)."));
        return;
    }
    rk_buf_puts(out, RK_PICK(lang,
                             "Teemme pelkästään automaattiseen käsittelyyn perustuvia päätöksiä, "
                             "joilla on sinua koskevia oikeusvaikutuksia tai muita vastaavia "
                             "merkittäviä vaikutuksia (22 art.).",
                             "We make decisions based solely on automated processing that produce "
                             "legal effects concerning you or similarly significantly affect you "
                             "(art 22)."));
    if (rk_text_present(&r->automated_logic)) {
        rk_buf_puts(out, RK_PICK(lang, " Käytetty logiikka: ", " The logic involved: "));
        put_sentence_text(out, &r->automated_logic, lang);
    }
    if (rk_text_present(&r->automated_consequences)) {
        rk_buf_puts(out, RK_PICK(lang, " Merkitys ja seuraukset sinulle: ",
                                 " The significance and consequences for you: "));
        put_sentence_text(out, &r->automated_consequences, lang);
    }
    const char *basis = adm_basis_words(r->automated_basis, lang);
    if (basis)
        rk_buf_printf(out, RK_PICK(lang, " Peruste: %s.", " Basis: %s."), basis);
    unsigned bits = r->automated_safeguards & RK_ADM_SAFEGUARDS_ALL;
    if (bits) {
        rk_buf_puts(out, RK_PICK(lang, " Sinulla on oikeus ", " You have the right "));
        unsigned total = 0, done = 0;
        for (unsigned i = 0; i < RK_ADM_SAFEGUARD__COUNT; i++)
            total += (bits >> i) & 1u;
        for (unsigned i = 0; i < RK_ADM_SAFEGUARD__COUNT; i++) {
            if (!((bits >> i) & 1u))
                continue;
            if (done > 0)
                rk_buf_puts(out, done + 1 == total ? RK_PICK(lang, " ja ", " and ") : ", ");
            rk_buf_puts(out, adm_safeguard_of(1u << i, lang));
            done++;
        }
        rk_buf_puts(out, RK_PICK(lang,
                                 " (22 art. 3 kohta). Voit pyytää tätä tietosuojapyynnöllä samalla "
                                 "tavalla kuin käytät muita oikeuksiasi.",
                                 " (art 22(3)). You can ask for this with a data protection "
                                 "request, in the same way as you exercise your other rights."));
    }
}

void rk_label_profiling_none(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out) {
    if (!rk_decl_profiles(d))
        rk_buf_puts(out, RK_PICK(lang, "Tietojasi ei käytetä profilointiin.",
                                 "Your data is not used for profiling."));
}

void rk_label_automated_answer(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out) {
    size_t start = out->len;
    for (size_t i = 0; i < d->npurposes; i++) {
        if (!d->purposes[i].profiling.declared)
            continue;
        sentence(out, start);
        rk_label_profiling(&d->purposes[i], lang, out);
    }
    rk_label_profiling_none(d, lang, out);
    sentence(out, start);
    rk_label_automated(&d->rights, lang, out);
}

static bool objectable(const struct rk_purpose *p) {
    return p->basis == RK_BASIS_LEGITIMATE_INTERESTS || p->basis == RK_BASIS_PUBLIC_TASK;
}

static bool markets(const struct rk_purpose *p) { return p->marketing.declared; }

static bool markets_with_profiling(const struct rk_purpose *p) {
    return p->marketing.declared && p->profiling.declared;
}

static bool markets_with_link(const struct rk_purpose *p) {
    return p->marketing.declared &&
           ((p->marketing.channels & RK_CHANNELS_ELECTRONIC) ||
            (p->basis == RK_BASIS_CONSENT && (p->withdrawal & RK_WITHDRAW_MESSAGE_LINK)));
}

static void objection_particular(const struct purpose_set *ps, enum rk_lang lang,
                                 struct rk_buf *out) {
    struct rk_buf names;
    rk_buf_init(&names);
    size_t n = purpose_names(ps, objectable, lang, &names);
    if (n > 0 && names.data)
        rk_buf_printf(out,
                      RK_PICK(lang,
                              "Sinulla on oikeus milloin tahansa vastustaa henkilötietojesi "
                              "käsittelyä erityiseen tilanteeseesi liittyvällä perusteella, kun "
                              "käsittely perustuu oikeutettuun etuun tai yleisen edun mukaiseen "
                              "tehtävään (21 art. 1 kohta). Tämä koskee %s: %s. Lopetamme "
                              "silloin käsittelyn, ellei meillä ole huomattavan tärkeitä ja "
                              "perusteltuja syitä, jotka syrjäyttävät etusi, oikeutesi ja "
                              "vapautesi, tai ellei käsittely ole tarpeen oikeusvaateen "
                              "laatimiseksi, esittämiseksi tai puolustamiseksi.",
                              "You have the right to object at any time, on grounds relating to "
                              "your particular situation, to processing of your personal data "
                              "that is based on legitimate interests or on a task carried out in "
                              "the public interest (art 21(1)). This concerns %s: %s. We then "
                              "stop the processing unless we demonstrate compelling legitimate "
                              "grounds that override your interests, rights and freedoms, or the "
                              "processing is needed for the establishment, exercise or defence "
                              "of legal claims."),
                      n == 1 ? RK_PICK(lang, "käsittelytarkoitusta", "the purpose")
                             : RK_PICK(lang, "käsittelytarkoituksia", "the purposes"),
                      names.data);
    if (names.oom)
        out->oom = true;
    rk_buf_cleanup(&names);
}

static void objection_marketing(const struct purpose_set *ps, enum rk_lang lang,
                                struct rk_buf *out) {
    struct rk_buf names;
    rk_buf_init(&names);
    size_t n = purpose_names(ps, markets, lang, &names);
    bool profiling = false, link = false;
    for (size_t i = 0; i < ps->n; i++) {
        profiling |= markets_with_profiling(set_at(ps, i));
        link |= markets_with_link(set_at(ps, i));
    }
    if (n > 0 && names.data) {
        rk_buf_puts(out, RK_PICK(lang,
                                 "Sinulla on oikeus milloin tahansa ja maksutta vastustaa "
                                 "henkilötietojesi käsittelyä suoramarkkinointia varten",
                                 "You have the right to object at any time and free of charge to "
                                 "the processing of your personal data for direct marketing"));
        if (profiling)
            rk_buf_puts(out, RK_PICK(lang, ", mukaan lukien siihen liittyvä profilointi",
                                     ", including profiling related to it"));
        rk_buf_printf(
            out,
            RK_PICK(lang,
                    " (21 art. 2 ja 3 kohta). Tämä koskee %s: %s. Kun vastustat, lopetamme "
                    "käsittelyn tähän tarkoitukseen heti, ilman punnintaa. Voit vastustaa %s.",
                    " (art 21(2) and (3)). This concerns %s: %s. When you object, we stop the "
                    "processing for this purpose at once, without any weighing. You can object "
                    "%s."),
            n == 1 ? RK_PICK(lang, "käsittelytarkoitusta", "the purpose")
                   : RK_PICK(lang, "käsittelytarkoituksia", "the purposes"),
            names.data,
            link ? RK_PICK(lang,
                           "klikkaamalla markkinointiviestin peruutuslinkkiä tai ottamalla "
                           "meihin yhteyttä",
                           "with the unsubscribe link in a marketing message or by contacting us")
                 : RK_PICK(lang, "ottamalla meihin yhteyttä", "by contacting us"));
    }
    if (names.oom)
        out->oom = true;
    rk_buf_cleanup(&names);
}

void rk_label_objection_particular(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out) {
    struct purpose_set ps = decl_set(d);
    objection_particular(&ps, lang, out);
}

void rk_label_objection_marketing(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out) {
    struct purpose_set ps = decl_set(d);
    objection_marketing(&ps, lang, out);
}

void rk_label_objection_particular_of(const struct rk_purpose *const *ps, size_t n,
                                      enum rk_lang lang, struct rk_buf *out) {
    struct purpose_set set = {.ptrs = ps, .n = n};
    objection_particular(&set, lang, out);
}

void rk_label_objection_marketing_of(const struct rk_purpose *const *ps, size_t n,
                                     enum rk_lang lang, struct rk_buf *out) {
    struct purpose_set set = {.ptrs = ps, .n = n};
    objection_marketing(&set, lang, out);
}

static const char *channel_of(unsigned bit, enum rk_lang lang) {
    static const struct pair words[RK_CHANNEL__COUNT] = {
        {"sähköpostitse", "by email"},
        {"tekstiviestein", "by text message"},
        {"puhelimitse", "by phone"},
        {"kirjeitse", "by post"},
    };
    return get(words, RK_CHANNEL__COUNT, bit_index(bit, RK_CHANNEL__COUNT), lang);
}

/* The set bits of bits among the channels, as "sähköpostitse ja puhelimitse". */
static void channels_words(unsigned bits, enum rk_lang lang, struct rk_buf *out) {
    unsigned total = 0, done = 0;
    for (unsigned i = 0; i < RK_CHANNEL__COUNT; i++)
        total += (bits >> i) & 1u;
    for (unsigned i = 0; i < RK_CHANNEL__COUNT; i++) {
        if (!((bits >> i) & 1u))
            continue;
        if (done > 0)
            rk_buf_puts(out, done + 1 == total ? RK_PICK(lang, " ja ", " and ") : ", ");
        rk_buf_puts(out, channel_of(1u << i, lang));
        done++;
    }
}

void rk_label_marketing(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out) {
    const struct rk_marketing *m = &p->marketing;
    if (!m->declared)
        return;
    static const struct pair audiences[RK_AUDIENCE__COUNT] = {
        {"yksityishenkilöille", "to private individuals"},
        {"yritysten ja yhteisöjen yhteyshenkilöille heidän työosoitteisiinsa",
         "to contact persons of businesses and organisations at their work addresses"},
        {"yksityishenkilöille sekä yritysten ja yhteisöjen yhteyshenkilöille",
         "to private individuals and to contact persons of businesses and organisations"},
    };
    rk_buf_printf(out,
                  RK_PICK(lang, "Käsittelytarkoituksessa ”%s” lähetämme suoramarkkinointia ",
                          "For the purpose “%s” we send direct marketing "),
                  rk_text_get(&p->name, lang));
    channels_words(m->channels, lang, out);
    rk_buf_printf(out, " %s.", get(audiences, RK_AUDIENCE__COUNT, (unsigned)m->audience, lang));
    unsigned el = m->channels & RK_CHANNELS_ELECTRONIC;
    if (!el)
        return;
    struct rk_buf how;
    rk_buf_init(&how);
    channels_words(el, lang, &how);
    const char *ch = how.data ? how.data : "";
    char cap[64]; /* the channels' words with a capital first letter, for a sentence */
    snprintf(cap, sizeof cap, "%s", ch);
    if (cap[0] >= 'a' && cap[0] <= 'z')
        cap[0] = (char)(cap[0] - 'a' + 'A');
    if (p->basis == RK_BASIS_CONSENT) {
        rk_buf_printf(
            out,
            RK_PICK(lang,
                    " %s lähetämme markkinointia vain ennalta antamasi suostumuksen "
                    "perusteella (laki sähköisen viestinnän palveluista 917/2014, 200 §).",
                    " %s we send marketing only with your prior consent (Act on "
                    "Electronic Communications Services 917/2014, §200)."),
            cap);
    } else if (m->soft_opt_in) {
        rk_buf_printf(out,
                      RK_PICK(lang,
                              " Asiakkaillemme, joiden yhteystiedot olemme saaneet myynnin "
                              "yhteydessä, markkinoimme omia vastaavia tuotteitamme %s ilman "
                              "erillistä suostumusta: %s (laki sähköisen viestinnän palveluista "
                              "917/2014, 200 § 2 mom.). Voit kieltää sen maksutta jokaisessa "
                              "viestissä",
                              " To our customers whose contact details we obtained in a sale we "
                              "market our own similar products %s without separate consent: %s "
                              "(Act on Electronic Communications Services 917/2014, §200(2)). You "
                              "can refuse it "
                              "free of charge in every message"),
                      ch, rk_text_get(&m->similar_products, lang));
        if (m->opt_out_at_collection)
            rk_buf_puts(out, RK_PICK(lang,
                                     ", ja saatoit kieltää sen jo yhteystietojesi "
                                     "keräämisen yhteydessä",
                                     ", and you could refuse it when your contact details were "
                                     "collected"));
        rk_buf_putc(out, '.');
    } else if (m->audience == RK_AUDIENCE_BUSINESS) {
        rk_buf_printf(
            out,
            RK_PICK(lang,
                    " %s lähetämme markkinointia yhteyshenkilöille heidän tehtäväänsä "
                    "liittyen (laki sähköisen viestinnän palveluista 917/2014, 202 §); "
                    "voit kieltää sen "
                    "maksutta jokaisessa viestissä.",
                    " %s we send marketing to contact persons in their professional "
                    "role (Act on Electronic Communications Services 917/2014, §202); you "
                    "can refuse it "
                    "free of charge in every message."),
            cap);
    }
    if (how.oom)
        out->oom = true;
    rk_buf_cleanup(&how);
}

void rk_label_balancing(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *out) {
    if (!rk_text_present(&p->balancing_test))
        return;
    rk_buf_puts(out, RK_PICK(lang,
                             "Oikeutetun etumme ja sinun etujesi punninta (tasapainotesti) on "
                             "dokumentoitu: ",
                             "The balancing test of our legitimate interest against your "
                             "interests is documented: "));
    put_sentence_text(out, &p->balancing_test, lang);
}

const char *rk_label_special(enum rk_special s, enum rk_lang lang) {
    static const struct pair words[RK_SPECIAL__COUNT] = {
        {"", ""},
        {"rotu tai etninen alkuperä", "racial or ethnic origin"},
        {"poliittiset mielipiteet", "political opinions"},
        {"uskonnollinen tai filosofinen vakaumus", "religious or philosophical beliefs"},
        {"ammattiliiton jäsenyys", "trade-union membership"},
        {"geneettiset tiedot", "genetic data"},
        {"biometriset tiedot henkilön yksiselitteistä tunnistamista varten",
         "biometric data for uniquely identifying a person"},
        {"terveyttä koskevat tiedot", "data concerning health"},
        {"seksuaalinen käyttäytyminen tai suuntautuminen", "sex life or sexual orientation"},
        {"rikostuomioihin ja rikkomuksiin liittyvät tiedot",
         "data relating to criminal convictions and offences"},
    };
    return get(words, RK_SPECIAL__COUNT, (unsigned)s, lang);
}

const char *rk_label_art9_condition(enum rk_art9_condition c, enum rk_lang lang) {
    static const struct pair words[RK_ART9__COUNT] = {
        {"", ""},
        {"rekisteröidyn nimenomainen suostumus, 9 art. 2 a",
         "explicit consent of the data subject, art 9(2)(a)"},
        {"työoikeuden sekä sosiaaliturvaa ja sosiaalista suojelua koskevan lainsäädännön "
         "mukaiset velvollisuudet ja oikeudet, 9 art. 2 b",
         "obligations and rights under employment, social security and social protection law, "
         "art 9(2)(b)"},
        {"rekisteröidyn tai toisen henkilön elintärkeiden etujen suojaaminen, kun rekisteröity ei "
         "pysty antamaan suostumustaan, 9 art. 2 c",
         "protecting the vital interests of the data subject or another person who cannot give "
         "consent, art 9(2)(c)"},
        {"säätiön, yhdistyksen tai muun voittoa tavoittelemattoman elimen oikeutettu toiminta "
         "jäsentensä osalta, 9 art. 2 d",
         "legitimate activities of a foundation, association or other not-for-profit body "
         "concerning its members, art 9(2)(d)"},
        {"rekisteröidyn itse julkiseksi saattamat tiedot, 9 art. 2 e",
         "data manifestly made public by the data subject, art 9(2)(e)"},
        {"oikeusvaateen laatiminen, esittäminen tai puolustaminen, 9 art. 2 f",
         "establishment, exercise or defence of legal claims, art 9(2)(f)"},
        {"lakiin perustuva tärkeä yleinen etu, 9 art. 2 g",
         "substantial public interest on the basis of law, art 9(2)(g)"},
        {"ennaltaehkäisevä terveydenhuolto tai työterveyshuolto, terveyden- tai sosiaalihuolto, "
         "9 art. 2 h",
         "preventive or occupational medicine, health or social care, art 9(2)(h)"},
        {"kansanterveyteen liittyvä yleinen etu, 9 art. 2 i",
         "public interest in the area of public health, art 9(2)(i)"},
        {"arkistointi yleisen edun mukaisia tarkoituksia varten, tieteellinen tai historiallinen "
         "tutkimus tai tilastointi, 9 art. 2 j",
         "archiving in the public interest, scientific or historical research or statistics, "
         "art 9(2)(j)"},
    };
    return get(words, RK_ART9__COUNT, (unsigned)c, lang);
}

void rk_label_special_category(const struct rk_category *c, enum rk_lang lang, struct rk_buf *out) {
    if (c->special == RK_SPECIAL_NONE)
        return;
    bool crime = c->special == RK_SPECIAL_CRIMINAL_OFFENCES;
    rk_buf_printf(out, "%s (%s, %s", rk_text_get(&c->name, lang),
                  rk_label_special(c->special, lang),
                  crime ? RK_PICK(lang, "10 art.", "art 10")
                        : RK_PICK(lang, "erityinen henkilötietoryhmä, 9 art.",
                                  "special category of personal data, art 9"));
    if (!crime && c->condition != RK_ART9_NONE)
        rk_buf_printf(out, RK_PICK(lang, "; käsittelyn edellytys: %s", "; condition: %s"),
                      rk_label_art9_condition(c->condition, lang));
    if (rk_text_present(&c->law))
        rk_buf_printf(out, RK_PICK(lang, "; kansallinen säännös: %s", "; national law: %s"),
                      rk_text_get(&c->law, lang));
    rk_buf_putc(out, ')');
}

bool rk_label_special_used(const struct rk_decl *d) {
    for (size_t i = 0; i < d->ncategories; i++)
        if (d->categories[i].special != RK_SPECIAL_NONE &&
            rk_label_category_used(d, &d->categories[i]))
            return true;
    return false;
}

void rk_label_children(const struct rk_register *r, enum rk_lang lang, struct rk_buf *out) {
    const struct rk_children *ch = &r->children;
    if (!ch->declared)
        return;
    rk_buf_printf(out,
                  RK_PICK(lang, "Rekisteröityjen joukossa on lapsia: nuorimmat ovat %d-vuotiaita.",
                          "The data subjects include children: the youngest are %d years old."),
                  ch->min_age);
    if (ch->online_service)
        rk_buf_puts(out, RK_PICK(lang, " Tarjoamme tietoyhteiskunnan palveluja suoraan lapsille.",
                                 " We offer information society services directly to children."));
    if (rk_text_present(&ch->parental_consent)) {
        rk_buf_printf(out,
                      RK_PICK(lang,
                              " Alle %d-vuotiaan puolesta suostumuksen antaa tai hyväksyy hänen "
                              "huoltajansa (8 art., tietosuojalaki 1050/2018 5 §): ",
                              " Below the age of %d, consent is given or authorised by the holder "
                              "of parental responsibility (art 8, Data Protection Act 1050/2018 "
                              "§5): "),
                      RK_CHILD_CONSENT_AGE_FI);
        put_sentence_text(out, &ch->parental_consent, lang);
    }
    if (rk_text_present(&ch->age_verification)) {
        rk_buf_puts(out, RK_PICK(lang, " Iän varmistaminen: ", " How age is verified: "));
        put_sentence_text(out, &ch->age_verification, lang);
    }
}

void rk_label_source_named(const struct rk_source *s, enum rk_lang lang, struct rk_buf *out) {
    if (!rk_text_present(&s->name)) { /* the kind's words say whether it is public */
        rk_buf_puts(out, rk_label_source(s->kind, lang));
        if (rk_text_present(&s->detail))
            rk_buf_printf(out, ": %s", rk_text_get(&s->detail, lang));
    } else {
        rk_buf_puts(out, rk_text_get(&s->name, lang));
        if (s->kind == RK_SRC_PUBLIC_SOURCE)
            rk_buf_puts(out, RK_PICK(lang, " (julkisesti saatavilla oleva lähde)",
                                     " (a publicly available source)"));
        else if (s->kind == RK_SRC_THIRD_PARTY)
            rk_buf_puts(out, RK_PICK(lang, " (toinen rekisterinpitäjä)", " (another controller)"));
    }
    for (size_t i = 0; i < s->ncategories; i++)
        rk_buf_printf(out, "%s%s",
                      i ? ", " : RK_PICK(lang, " – saadut tiedot: ", " – categories obtained: "),
                      rk_text_get(&s->categories[i]->name, lang));
}

/* ---- The first message to a person whose data came from elsewhere (art 14(3), 21(4)) ------ */

void rk_label_rights_summary(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out) {
    static const struct pair items[] = {
        {"oikeus saada pääsy tietoihisi", "the right of access to your data"},
        {"oikeus tietojen oikaisemiseen", "the right to rectification"},
        {"oikeus tietojen poistamiseen", "the right to erasure"},
        {"oikeus käsittelyn rajoittamiseen", "the right to restriction of processing"},
        {"oikeus siirtää tiedot järjestelmästä toiseen", "the right to data portability"},
    };
    size_t n = sizeof items / sizeof items[0];
    if (!rk_label_right_applies(d, RK_RIGHT_PORTABILITY))
        n--; /* portability is last */
    rk_buf_puts(out, RK_PICK(lang, "Sinulla on tietosuoja-asetuksen mukaisesti ",
                             "Under the General Data Protection Regulation you have "));
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            rk_buf_puts(out, i + 1 == n ? RK_PICK(lang, " ja ", " and ") : ", ");
        rk_buf_puts(out, get(items, (unsigned)n, (unsigned)i, lang));
    }
    rk_buf_puts(out, RK_PICK(lang, " (15–18", " (arts 15–18"));
    if (n == sizeof items / sizeof items[0])
        rk_buf_puts(out, RK_PICK(lang, " ja 20", " and 20"));
    rk_buf_puts(out, RK_PICK(lang, " art.).", ")."));
}

void rk_label_complaint(const struct rk_authority *a, enum rk_lang lang, struct rk_buf *out) {
    rk_buf_puts(out, RK_PICK(lang,
                             "Voit myös tehdä valituksen valvontaviranomaiselle, jos katsot, että "
                             "henkilötietojesi käsittely rikkoo tietosuoja-asetusta",
                             "You can also lodge a complaint with the supervisory authority if "
                             "you consider that the processing of your personal data infringes "
                             "the General Data Protection Regulation"));
    const char *name = rk_text_get(&a->name, lang);
    if (name) {
        rk_buf_printf(out, " (%s", name);
        if (a->url)
            rk_buf_printf(out, ", %s", a->url);
        rk_buf_putc(out, ')');
    }
    rk_buf_putc(out, '.');
}

const char *rk_label_objection_reply(enum rk_lang lang) {
    return RK_PICK(lang, "Riittää, että vastaat tähän viestiin ja kerrot vastustavasi.",
                   "It is enough to reply to this message and say that you object.");
}

const char *rk_label_notice_at(enum rk_lang lang) {
    return RK_PICK(lang, "Koko tietosuojaselosteemme on luettavissa osoitteessa",
                   "Our full privacy notice is at");
}

const char *rk_label_notice_ask(enum rk_lang lang) {
    return RK_PICK(lang, "Saat koko tietosuojaselosteemme pyytämällä sitä meiltä.",
                   "You can ask us for our full privacy notice.");
}
