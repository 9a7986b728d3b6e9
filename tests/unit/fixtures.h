/*
 * fixtures.h — a minimal valid declaration in pieces, for tests that vary
 * one section at a time. Concatenate FX_HEAD FX_PURPOSES FX_CATEGORIES
 * FX_REGISTERS (plus any extra sections) to get a declaration that loads and
 * lints clean; replace one piece to provoke one problem.
 */
#ifndef RK_FIXTURES_H
#define RK_FIXTURES_H

#define FX_HEAD                                                                                    \
    "rekisteri: 1\n"                                                                               \
    "notice: {drafted: 2024-01-15, last_changed: 2025-03-01}\n"                                    \
    "controller:\n"                                                                                \
    "  name: Esimerkki Oy\n"                                                                       \
    "  business_id: 1234567-8\n"                                                                   \
    "  address: Katu 1, 00100 Helsinki\n"                                                          \
    "  phone: 09 123 4567\n"                                                                       \
    "supervisory_authority:\n"                                                                     \
    "  name: {fi: Tietosuojavaltuutetun toimisto, en: Office of the Data Protection Ombudsman}\n"  \
    "security:\n"                                                                                  \
    "  - {fi: Pääsy on rajattu roolien mukaan., en: Access is limited by role.}\n"

#define FX_RIGHTS "rights: {verification: [in_person, email_code]}\n"

#define FX_PURPOSES                                                                                \
    "purposes:\n"                                                                                  \
    "  - id: marketing\n"                                                                          \
    "    name: {fi: markkinointi, en: marketing}\n"                                                \
    "    basis: consent\n"                                                                         \
    "    consent: {validity: 2y, withdrawal: [message_link]}\n"                                    \
    "  - id: service\n"                                                                            \
    "    name: {fi: palvelu, en: service}\n"                                                       \
    "    basis: contract\n"

#define FX_CATEGORIES                                                                              \
    "categories:\n"                                                                                \
    "  - {id: name, name: {fi: Nimi, en: Name}, kind: identity, from_subject: true}\n"             \
    "  - {id: email, name: {fi: Sähköposti, en: Email}, kind: contact, from_subject: true}\n"

#define FX_REGISTERS                                                                               \
    "registers:\n"                                                                                 \
    "  - id: customer\n"                                                                           \
    "    name: {fi: Asiakasrekisteri, en: Customer register}\n"                                    \
    "    subjects: {fi: asiakkaat, en: customers}\n"                                               \
    "    categories: [name, email]\n"                                                              \
    "    purposes: [marketing, service]\n"                                                         \
    "    retention: {until: [relationship_end], grace: 6m}\n"

#define FX_MINIMAL FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES FX_REGISTERS

/* The minimal declaration plus a category no register holds. */
#define FX_MINIMAL_WITH_EXTRA_CATEGORY                                                             \
    FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES                                                    \
    "  - {id: fax, name: {fi: Faksi, en: Fax}}\n" FX_REGISTERS

#endif
