/*
 * country.c — the countries the declaration may name: whether each is in the
 * EEA (no transfer mechanism needed), whether it has an art 45 adequacy
 * decision covering the whole country, and its Finnish and English name.
 *
 * The United States is deliberately not "adequate": its adequacy decision
 * (EU) 2023/1795 covers only organisations certified under the Data Privacy
 * Framework, which a recipient declares with `transfer: dpf`.
 */
#include <string.h>

#include "decl/decl.h"

struct country {
    const char code[3];
    bool eea;
    bool adequate;
    const char *fi, *en;
};

static const struct country countries[] = {
    {"AT", true, false, "Itävalta", "Austria"},
    {"BE", true, false, "Belgia", "Belgium"},
    {"BG", true, false, "Bulgaria", "Bulgaria"},
    {"HR", true, false, "Kroatia", "Croatia"},
    {"CY", true, false, "Kypros", "Cyprus"},
    {"CZ", true, false, "Tšekki", "Czechia"},
    {"DK", true, false, "Tanska", "Denmark"},
    {"EE", true, false, "Viro", "Estonia"},
    {"FI", true, false, "Suomi", "Finland"},
    {"FR", true, false, "Ranska", "France"},
    {"DE", true, false, "Saksa", "Germany"},
    {"GR", true, false, "Kreikka", "Greece"},
    {"HU", true, false, "Unkari", "Hungary"},
    {"IE", true, false, "Irlanti", "Ireland"},
    {"IT", true, false, "Italia", "Italy"},
    {"LV", true, false, "Latvia", "Latvia"},
    {"LT", true, false, "Liettua", "Lithuania"},
    {"LU", true, false, "Luxemburg", "Luxembourg"},
    {"MT", true, false, "Malta", "Malta"},
    {"NL", true, false, "Alankomaat", "Netherlands"},
    {"PL", true, false, "Puola", "Poland"},
    {"PT", true, false, "Portugali", "Portugal"},
    {"RO", true, false, "Romania", "Romania"},
    {"SK", true, false, "Slovakia", "Slovakia"},
    {"SI", true, false, "Slovenia", "Slovenia"},
    {"ES", true, false, "Espanja", "Spain"},
    {"SE", true, false, "Ruotsi", "Sweden"},
    {"IS", true, false, "Islanti", "Iceland"},
    {"LI", true, false, "Liechtenstein", "Liechtenstein"},
    {"NO", true, false, "Norja", "Norway"},
    {"AD", false, true, "Andorra", "Andorra"},
    {"AR", false, true, "Argentiina", "Argentina"},
    {"FO", false, true, "Färsaaret", "Faroe Islands"},
    {"GG", false, true, "Guernsey", "Guernsey"},
    {"IL", false, true, "Israel", "Israel"},
    {"IM", false, true, "Mansaari", "Isle of Man"},
    {"JP", false, true, "Japani", "Japan"},
    {"JE", false, true, "Jersey", "Jersey"},
    {"NZ", false, true, "Uusi-Seelanti", "New Zealand"},
    {"KR", false, true, "Etelä-Korea", "South Korea"},
    {"CH", false, true, "Sveitsi", "Switzerland"},
    {"GB", false, true, "Yhdistynyt kuningaskunta", "United Kingdom"},
    {"UY", false, true, "Uruguay", "Uruguay"},
    {"CA", false, true, "Kanada", "Canada"}, /* commercial organisations (PIPEDA) */
    {"US", false, false, "Yhdysvallat", "United States"},
    {"AU", false, false, "Australia", "Australia"},
    {"IN", false, false, "Intia", "India"},
    {"CN", false, false, "Kiina", "China"},
    {"SG", false, false, "Singapore", "Singapore"},
    {"BR", false, false, "Brasilia", "Brazil"},
    {"RU", false, false, "Venäjä", "Russia"},
    {"UA", false, false, "Ukraina", "Ukraine"},
    {"TR", false, false, "Turkki", "Turkey"},
    {"ZA", false, false, "Etelä-Afrikka", "South Africa"},
    {"AE", false, false, "Arabiemiirikunnat", "United Arab Emirates"},
    {"PH", false, false, "Filippiinit", "Philippines"},
    {"MX", false, false, "Meksiko", "Mexico"},
};

static const struct country *find(const char *code) {
    for (size_t i = 0; i < sizeof countries / sizeof countries[0]; i++)
        if (strcmp(countries[i].code, code) == 0)
            return &countries[i];
    return NULL;
}

bool rk_country_known(const char *code) { return find(code) != NULL; }

bool rk_country_in_eea(const char *code) {
    const struct country *c = find(code);
    return c && c->eea;
}

bool rk_country_adequate(const char *code) {
    const struct country *c = find(code);
    return c && c->adequate;
}

const char *rk_country_name(const char *code, enum rk_lang lang) {
    const struct country *c = find(code);
    if (!c)
        return code;
    return lang == RK_LANG_FI ? c->fi : c->en;
}
