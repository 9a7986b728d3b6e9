// console.js — the staff console: a single-page app with hash routes (#/overview,
// #/people, ...), plain modern JavaScript without a framework. It is a client of the
// staff API only: it signs in through /console/login (a server-rendered page), reads who
// it is and what it may do from GET /api/v1/me, and sends the session's CSRF token with
// every state-changing request. Every rule stays on the server; the menu and the actions
// shown follow the caps /api/v1/me lists, and the API refuses the rest (403) anyway.
// No inline script or style (the CSP forbids both), no eval; text is set as text, never
// as markup, except the privacy notice, which is parsed and stripped of anything active.

// ---- Words, in Finnish and English --------------------------------------------------------

const WORDS = {
  fi: {
    skip: 'Siirry sisältöön', choose: 'Valitse', menu: 'Valikko', loading: 'Ladataan …', signOut: 'Kirjaudu ulos',
    other: 'In English', otherLang: 'en', signedIn: (n, r) => `${n} · ${r}`,
    overview: 'Yleiskatsaus', people: 'Henkilöt', add: 'Lisää henkilö', import: 'Tuonti',
    audience: 'Kohderyhmä', requests: 'Pyynnöt', recipients: 'Vastaanottajat ja posti',
    declaration: 'Seloste', staff: 'Henkilökunta',
    errorTitle: 'Virhe: ', problem: 'Tarkista tiedot', noRoute: (p) => `Palvelin ei vielä tarjoa tätä toimintoa (${p}). Päivitä rekisteri uudempaan versioon.`,
    forbidden: 'Roolillasi ei ole oikeutta tähän.', notFound: 'Sivua ei löydy', notFoundText: 'Tätä sivua ei ole. Valitse sivu valikosta.',
    refusedTitle: 'Ei oikeutta', refusedText: 'Roolillasi ei ole oikeutta tähän sivuun. Jos tarvitset sitä, pyydä tietosuojavastaavaa muuttamaan roolisi.',
    failed: 'Toiminto epäonnistui', serverSaid: 'Palvelimen vastaus: ', network: 'Palvelimeen ei saatu yhteyttä. Yritä hetken kuluttua uudelleen.',
    yes: 'Kyllä', no: 'Ei', none: 'Ei yhtään', count: (n) => `${n} kpl`, shown: (n) => `${n} näytetään`,
    next: 'Seuraava sivu', first: 'Ensimmäinen sivu', back: 'Takaisin', cancel: 'Peruuta', download: 'Lataa',
    overdue: (n) => `Myöhässä ${n} ${n === 1 ? 'päivä' : 'päivää'}`, daysLeft: (n) => `${n} ${n === 1 ? 'päivä' : 'päivää'} jäljellä`,
    dueToday: 'Määräpäivä tänään',
    // overview
    reqByDue: 'Pyynnöt määräpäivän mukaan', openTasks: 'Avoimet tehtävät', art14: 'Ilmoitukset (art. 14) tekemättä',
    objections: 'Tarkistettavat vastustukset', failedTitle: 'Epäonnistuneet', failedMail: 'Sähköpostit', failedNotices: 'Ilmoitukset vastaanottajille',
    cookiesToday: 'Evästevalinnat tänään', cookieAcceptAll: 'Hyväksyi kaikki', cookieRejectAll: 'Hylkäsi kaikki', cookieCustom: 'Omat valinnat', cookieWithdraw: 'Peruutukset',
    sweep: 'Viimeisin säilytysajan siivous', noSweep: 'Siivousta ei ole vielä ajettu.', audit: 'Lokiketju',
    head: 'Viimeisin tapahtuma', hash: 'Tiiviste', verifiedAt: 'Tarkistettu viimeksi', notVerified: 'Ei tarkistettu',
    chainOk: 'Ketju on eheä', chainBad: 'Ketju on rikki', verifyNow: 'Tarkista ketju nyt', personsPerRegister: 'Henkilöitä rekistereittäin',
    register: 'Rekisteri', persons: 'Henkilöitä', consentsWeekly: 'Suostumukset viikoittain (26 viikkoa)', week: 'Viikko',
    purpose: 'Käyttötarkoitus', given: 'Annettu', withdrawn: 'Peruttu', expired: 'Vanhentunut', audienceSize: 'Kohderyhmän koko käyttötarkoituksittain',
    size: 'Koko', chartNote: 'Luvut ovat myös taulukossa kaavion alla.', allPurposes: 'Kaikki käyttötarkoitukset', at: 'Aika', deleted: 'Poistettu',
    // people
    search: 'Hae', searchLabel: 'Hae nimellä, sähköpostilla, puhelinnumerolla tai organisaatiolla',
    searchHint: 'Isot ja pienet kirjaimet sekä ääkköset ovat samanarvoisia: meikalainen löytää Meikäläisen.',
    filters: 'Rajaukset', anyRegister: 'Kaikki rekisterit', organisation: 'Organisaatio', consentState: 'Suostumuksen tila',
    anyState: 'Mikä tahansa', cGiven: 'Annettu', cWithdrawn: 'Peruttu', cExpired: 'Vanhentunut', cNone: 'Ei suostumusta',
    since: 'Lisätty alkaen', name: 'Nimi', email: 'Sähköposti', phone: 'Puhelin', registers: 'Rekisterit', added: 'Lisätty',
    noResults: 'Ei osumia. Kokeile nimen osaa, koko sähköpostiosoitetta tai puhelinnumeroa, tai poista rajauksia.',
    // person
    person: 'Henkilö', values: 'Tiedot', value: 'Arvo', category: 'Tietoryhmä', source: 'Lähde', when: 'Milloin', by: 'Kuka',
    consents: 'Suostumukset', noticeVersion: 'Selosteen versio', evidence: 'Todiste', contracts: 'Sopimukset', invoices: 'Laskut',
    tasks: 'Ilmoitustehtävät (art. 14)', auditTrail: 'Kuka on lukenut tai muuttanut tietoja', actor: 'Tekijä', action: 'Toiminto', detail: 'Lisätieto',
    actions: 'Toiminnot', edit: 'Muokkaa tietoja', save: 'Tallenna', addToRegister: 'Lisää toiseen rekisteriin', giveConsent: 'Kirjaa suostumus',
    withdraw: 'Peru suostumus', restrict: 'Rajoita käsittelyä', object: 'Kirjaa vastustus', erase: 'Poista henkilön tiedot',
    grounds: 'Perusteet', optionalPurpose: 'Käyttötarkoitus (valinnainen)', oldRecord: 'Palvelin ei vielä tarjoa koko henkilökorttia; näytetään rekisterien tiedot.',
    done: 'Tehty', saved: 'Tallennettu.', consentGiven: 'Suostumus kirjattu.', consentWithdrawn: 'Suostumus peruttu.',
    restricted: 'Käsittely rajoitettu.', objected: 'Vastustus kirjattu.', history: 'Muutokset',
    // erasure
    erasePreview: 'Poiston esikatselu', willDelete: 'Poistetaan', willKeep: 'Säilytetään, koska laki vaatii',
    until: 'asti', recipientsTold: 'Vastaanottajille ilmoitetaan', suppressed: 'Estolista',
    suppressText: 'Sähköpostiosoite ja puhelinnumero lisätään estolistalle, jotta henkilöä ei lisätä uudelleen vahingossa.',
    confirmErase: 'Kirjoita henkilön nimi tai tunnus vahvistukseksi', consent_events: 'Suostumustapahtumat', suppressNone: 'Henkilöllä ei ole sähköpostiosoitetta eikä puhelinnumeroa estolistalle lisättäväksi.', eraseWarning: 'Poistoa ei voi perua.',
    confirmMismatch: 'Kirjoita henkilön nimi tai tunnus täsmälleen', erased: 'Henkilön tiedot on poistettu',
    noKeepTitle: 'Lakisääteistä säilytysaikaa ei ole ilmoitettu', noKeepUnmarkedTitle: 'Laskuilla ei ole säilytysaikaa',
    noKeepInvoices: (n) => `${n} ${n === 1 ? 'lasku poistetaan' : 'laskua poistetaan'}, koska selosteessa ei ole ilmoitettu laskujen tietoryhmälle lakisääteistä säilytysaikaa (kirjanpitolaki 1336/1997 2:10: tositteet säilytetään kuusi vuotta sen vuoden lopusta, jonka aikana tilikausi päättyi). Jos laskut on säilytettävä, lisää laskujen tietoryhmään ennen poistoa säilytyssääntö:`,
    noKeepUnmarked: (n) => `${n} ${n === 1 ? 'lasku poistetaan' : 'laskua poistetaan'}, vaikka laskujen tietoryhmälle on nyt ilmoitettu säilytysaika: ${n === 1 ? 'se kirjattiin' : 'ne kirjattiin'} ennen säilytyssäännön ilmoittamista, eikä ${n === 1 ? 'sillä' : 'niillä'} ole säilytyksen päättymispäivää.`,
    noKeepContracts: (n) => `${n} ${n === 1 ? 'sopimus poistetaan' : 'sopimusta poistetaan'}, koska selosteessa ei ole ilmoitettu sopimusten tietoryhmälle säilytysaikaa. Jos sopimukset on säilytettävä lakisääteisen velvoitteen tai oikeusvaateiden vuoksi, lisää tietoryhmään säilytyssääntö (erasure: keep_years ja obligation).`,
    erasedNext: 'Vastaanottajille lähetetään ilmoitukset. Sähköposti ja puhelinnumero ovat estolistalla.', toPeople: 'Henkilöhakuun',
    // add
    addTitle: 'Lisää henkilö', addEntryTitle: 'Lisää henkilö toiseen rekisteriin', chooseRegister: 'Rekisteri', choosePurpose: 'Käyttötarkoitus',
    chooseSource: 'Mistä tiedot saatiin', sourceDetail: 'Lähteen tarkennus (valinnainen)', consentEvidence: 'Suostumuksen todiste',
    consentHint: 'Käyttötarkoitus perustuu suostumukseen: kerro, miten ja milloin henkilö antoi sen.',
    consentChannel: 'Miten suostumus annettiin', added1: 'Henkilö lisätty', openPerson: 'Avaa henkilön tiedot', addAnother: 'Lisää toinen',
    needRegister: 'Valitse rekisteri', needPurpose: 'Valitse käyttötarkoitus', needSource: 'Valitse lähde', needEvidence: 'Kerro suostumuksen todiste',
    needValue: 'Anna ainakin sähköposti tai puhelinnumero', refused: 'Tietoa ei hyväksytty: ',
    // import
    importTitle: 'Tuo CSV-tiedosto', csvFile: 'CSV-tiedosto', csvHint: 'Ensimmäinen rivi on otsikkorivi. Enintään 16 Mt.',
    preview: 'Esikatsele', previewFindings: 'Nämä rivit hylätään', column: 'Sarake', field: 'Tietoryhmä', notImported: 'Ei tuoda', firstRows: 'Ensimmäiset rivit',
    startImport: 'Aloita tuonti', rowsTotal: 'Rivejä', importing: 'Tuodaan …', rowsDone: (d, t) => `${d} / ${t} riviä`, imported: 'Tuotu', rejected: 'Hylätty',
    suppressedN: 'Estolistalla', rejects: 'Lataa hylätyt rivit (CSV)', importDone: 'Tuonti valmis', importFailed: 'Tuonti epäonnistui',
    needFile: 'Valitse CSV-tiedosto', tooBig: 'Tiedosto on yli 16 Mt: jaa se osiin', line: 'Rivi',
    // audience
    audienceTitle: 'Kohderyhmä', show: 'Näytä', reachable: 'Tavoitettavissa nyt', excluded: 'Pois jätetyt', reason: 'Syy',
    xNoConsent: 'Ei suostumusta', xExpired: 'Suostumus vanhentunut', xWithdrawn: 'Suostumus peruttu', xRestricted: 'Käsittely rajoitettu',
    xObjected: 'Vastustanut', xSuppressed: 'Estolistalla', downloadCsv: 'Lataa CSV',
    // requests
    status: 'Tila', type: 'Tyyppi', received: 'Saapunut', due: 'Määräpäivä', daysLeftCol: 'Aikaa', anyStatus: 'Kaikki tilat',
    onlyOverdue: 'Vain myöhässä olevat', newRequest: 'Kirjaa uusi pyyntö', record: 'Kirjaa pyyntö', channel: 'Kanava',
    verify: 'Vahvista henkilöllisyys', method: 'Tapa', document: 'Asiakirja', complete: 'Merkitse valmiiksi', note: 'Muistiinpano (valinnainen)',
    extend: 'Pidennä määräaikaa', months: 'Kuukautta', extendReason: 'Pidennyksen syy', reject: 'Hylkää pyyntö', rejectReason: 'Hylkäyksen syy',
    rejectWarn: 'Hylätty pyyntö suljetaan. Henkilölle kerrotaan syy.', confirmReject: 'Vahvista hylkäys', timeline: 'Tapahtumat',
    documents: 'Asiakirjat', contact: 'Yhteystiedot', verification: 'Tunnistus', extension: 'Pidennys', closed: 'Suljettu', open: 'Avaa',
    tlReceived: 'Pyyntö saapui', tlVerified: 'Henkilöllisyys vahvistettu', tlExtended: 'Määräaikaa pidennetty', tlClosed: 'Pyyntö suljettu',
    noRequests: 'Ei pyyntöjä näillä rajauksilla.', requestSaved: 'Pyyntö päivitetty.', needReason: 'Kerro syy', needContact: 'Anna sähköposti tai puhelinnumero',
    // recipients
    failedMessages: 'Epäonnistuneet sähköpostit', failedRecipientNotices: 'Epäonnistuneet ilmoitukset vastaanottajille (art. 19)',
    retry: 'Yritä uudelleen', retried: 'Lähetys yritetään uudelleen.', nothingFailed: 'Ei epäonnistuneita. Hyvä!',
    connectors: 'Yhteydet', recipient: 'Vastaanottaja', connector: 'Yhteys', lastComplete: 'Viimeisin täydellinen synkronointi', nextAttempt: 'Seuraava yritys',
    lastPass: 'Viimeisin synkronointi', lastError: 'Viimeisin virhe', never: 'Ei vielä', syncNow: 'Synkronoi nyt', syncing: 'Synkronoidaan …',
    syncStarted: 'Synkronointi käynnistyi', syncFinished: 'Synkronointi päättyi', syncResult: (n) => `Vastaanottajan ${n} tila on päivitetty alla.`,
    syncSlow: (n) => `Vastaanottajan ${n} synkronointi jatkuu taustalla. Tila päivittyy tälle sivulle, kun lataat sen uudelleen.`,
    notConfigured: (v) => (v ? `Ei määritetty: ympäristömuuttuja ${v} puuttuu` : 'Ei määritetty'),
    badCredential: (v) => `Ei määritetty: ympäristömuuttujan ${v} arvo ei kelpaa`,
    configureHint: 'Aseta ympäristömuuttuja ja käynnistä palvelu uudelleen.',
    inStep: 'Ajan tasalla', inStepRefused: (n) => `Ajan tasalla, paitsi ${n} ${n === 1 ? 'torjuttu henkilö' : 'torjuttua henkilöä'}`, notYet: 'Odottaa ensimmäistä synkronointia', waitingUntil: (w) => `Odottaa, uusi yritys ${w}`, incomplete: 'Kesken',
    passCounts: (a, c, r, f) => `lisätty ${a}, muutettu ${c}, poistettu ${r}, torjuttu ${f}`, lastPassCounts: 'Viimeisin synkronointi: muutokset',
    anyTime: 'Heti seuraavalla kierroksella', noConnectors: 'Millekään vastaanottajalle ei ole määritetty Mailchimp- tai Salesforce-yhteyttä.',
    refusedBy: (n) => `Henkilöt, joita ${n} ei ottanut vastaan`, person: 'Henkilö', when: 'Milloin', refusedMore: 'Näytetään 100 ensimmäistä.',
    noneRefused: 'Vastaanottajat eivät ole torjuneet ketään.', connectorsIntro: 'Rekisteri pitää näiden vastaanottajien tiedot ajan tasalla niiden omien rajapintojen kautta. Vain jaettaviksi määritellyt tiedot lähtevät.',
    // declaration
    firstContact: 'Ensimmäinen viesti muualta saatujen tietojen henkilöille (art. 14)',
    firstContactHelp: 'Kopioi tämä teksti ensimmäiseen viestiin henkilölle, jonka tiedot on saatu julkisesta lähteestä tai toiselta rekisterinpitäjältä; se kertoo lähteen ja tuo vastustamisoikeuden esiin erikseen.',
    firstContactNone: 'Seloste ei ilmoita tietolähteitä rekisteröidyn itsensä lisäksi.',
    notice: 'Tietosuojaseloste', recordOfProcessing: 'Selosteen käsittelytoimista (art. 30) lataus', lint: 'Selosteen tarkistus',
    severity: 'Vakavuus', rule: 'Sääntö', message: 'Viesti', place: 'Kohta', error: 'Virhe', warning: 'Varoitus', noFindings: 'Ei huomautettavaa.',
    inFinnish: 'Suomeksi', inEnglish: 'Englanniksi',
    // staff
    accounts: 'Käyttäjätilit', role: 'Rooli', state: 'Tila', created: 'Luotu', lastSignin: 'Viimeksi kirjautunut', active: 'Käytössä', disabled: 'Poistettu käytöstä',
    disable: 'Poista käytöstä', enable: 'Ota käyttöön', reset: 'Uusi salasanalinkki', changeRole: 'Vaihda rooli', signins: 'Kirjautumiset',
    addAccount: 'Lisää käyttäjä', setupUrl: 'Salasanan asetuslinkki (näytetään vain kerran, voimassa 24 h)', tokens: 'API-avaimet',
    revoke: 'Peru avain', revoked: 'Peruttu', confirmRevoke: 'Vahvista peruminen', revokeWarn: (n) => `Avain ${n} lakkaa toimimasta heti. Sitä käyttävät ohjelmat eivät enää pääse rajapintaan.`,
    ok: 'Onnistui', result: 'Tulos', accountAdded: 'Käyttäjä lisätty', needEmail: 'Anna sähköpostiosoite', needName: 'Anna nimi',
    signinOk: 'Onnistui', signinFail: 'Epäonnistui',
  },
  en: {
    skip: 'Skip to content', choose: 'Choose', menu: 'Menu', loading: 'Loading …', signOut: 'Sign out',
    other: 'Suomeksi', otherLang: 'fi', signedIn: (n, r) => `${n} · ${r}`,
    overview: 'Overview', people: 'People', add: 'Add a person', import: 'Import',
    audience: 'Audience', requests: 'Requests', recipients: 'Recipients and mail',
    declaration: 'Declaration', staff: 'Staff',
    errorTitle: 'Error: ', problem: 'There is a problem', noRoute: (p) => `The server does not offer this yet (${p}). Update rekisteri to a newer version.`,
    forbidden: 'Your role is not allowed to do this.', notFound: 'Page not found', notFoundText: 'There is no such page. Choose a page from the menu.',
    refusedTitle: 'Not allowed', refusedText: 'Your role may not use this page. If you need it, ask the data protection officer to change your role.',
    failed: 'That did not work', serverSaid: 'The server said: ', network: 'The server could not be reached. Try again in a moment.',
    yes: 'Yes', no: 'No', none: 'None', count: (n) => `${n}`, shown: (n) => `${n} shown`,
    next: 'Next page', first: 'First page', back: 'Back', cancel: 'Cancel', download: 'Download',
    overdue: (n) => `${n} ${n === 1 ? 'day' : 'days'} overdue`, daysLeft: (n) => `${n} ${n === 1 ? 'day' : 'days'} left`,
    dueToday: 'Due today',
    reqByDue: 'Requests by due date', openTasks: 'Open tasks', art14: 'Information duties (art 14) to do',
    objections: 'Objections to review', failedTitle: 'Failed', failedMail: 'Emails', failedNotices: 'Notices to recipients',
    cookiesToday: 'Cookie choices today', cookieAcceptAll: 'Accepted all', cookieRejectAll: 'Rejected all', cookieCustom: 'Own choices', cookieWithdraw: 'Withdrawals',
    sweep: 'Last retention sweep', noSweep: 'The sweep has not run yet.', audit: 'Audit chain',
    head: 'Latest event', hash: 'Hash', verifiedAt: 'Last verified', notVerified: 'Not verified',
    chainOk: 'The chain is intact', chainBad: 'The chain is broken', verifyNow: 'Verify the chain now', personsPerRegister: 'Persons per register',
    register: 'Register', persons: 'Persons', consentsWeekly: 'Consents per week (26 weeks)', week: 'Week',
    purpose: 'Purpose', given: 'Given', withdrawn: 'Withdrawn', expired: 'Expired', audienceSize: 'Audience size per purpose',
    size: 'Size', chartNote: 'The numbers are also in the table below the chart.', allPurposes: 'All purposes', at: 'When', deleted: 'Deleted',
    search: 'Search', searchLabel: 'Search by name, email, phone or organisation',
    searchHint: 'Case and accents do not matter: meikalainen finds Meikäläinen.',
    filters: 'Filters', anyRegister: 'All registers', organisation: 'Organisation', consentState: 'Consent state',
    anyState: 'Any', cGiven: 'Given', cWithdrawn: 'Withdrawn', cExpired: 'Expired', cNone: 'No consent',
    since: 'Added since', name: 'Name', email: 'Email', phone: 'Phone', registers: 'Registers', added: 'Added',
    noResults: 'Nothing found. Try part of a name, a whole email address or phone number, or remove filters.',
    person: 'Person', values: 'Details', value: 'Value', category: 'Category', source: 'Source', when: 'When', by: 'By',
    consents: 'Consents', noticeVersion: 'Notice version', evidence: 'Evidence', contracts: 'Contracts', invoices: 'Invoices',
    tasks: 'Information tasks (art 14)', auditTrail: 'Who read or changed this person', actor: 'Actor', action: 'Action', detail: 'Detail',
    actions: 'Actions', edit: 'Edit details', save: 'Save', addToRegister: 'Add to another register', giveConsent: 'Record a consent',
    withdraw: 'Withdraw consent', restrict: 'Restrict processing', object: 'Record an objection', erase: 'Erase this person',
    grounds: 'Grounds', optionalPurpose: 'Purpose (optional)', oldRecord: 'The server does not offer the full record yet; showing the registers’ values.',
    done: 'Done', saved: 'Saved.', consentGiven: 'Consent recorded.', consentWithdrawn: 'Consent withdrawn.',
    restricted: 'Processing restricted.', objected: 'Objection recorded.', history: 'Changes',
    erasePreview: 'Erasure preview', willDelete: 'Will be deleted', willKeep: 'Will be kept, because the law requires it',
    until: 'until', recipientsTold: 'Recipients who will be told', suppressed: 'Suppression',
    suppressText: 'The email address and phone number will be suppressed, so the person is not added again by mistake.',
    confirmErase: 'Type the person’s name or id to confirm', consent_events: 'Consent events', suppressNone: 'The person has no email address or phone number to suppress.', eraseWarning: 'An erasure cannot be undone.',
    confirmMismatch: 'Type the person’s name or id exactly', erased: 'The person has been erased',
    noKeepTitle: 'No statutory retention is declared', noKeepUnmarkedTitle: 'These invoices carry no retention',
    noKeepInvoices: (n) => `${n} ${n === 1 ? 'invoice' : 'invoices'} will be deleted, because the declaration states no statutory retention for the invoices’ category (Accounting Act 1336/1997 2:10: vouchers are kept six years from the end of the year in which the financial period ended). If they must be kept, add a keep rule to the invoices’ category before erasing:`,
    noKeepUnmarked: (n) => `${n} ${n === 1 ? 'invoice' : 'invoices'} will be deleted although the invoices’ category now declares a retention: ${n === 1 ? 'it was' : 'they were'} recorded before the keep rule was declared and carry no keep-until date.`,
    noKeepContracts: (n) => `${n} ${n === 1 ? 'contract' : 'contracts'} will be deleted, because the declaration states no retention for the contracts’ category. If they must be kept for a legal obligation or legal claims, add a keep rule to the category (erasure: keep_years and obligation).`,
    erasedNext: 'Recipients will be sent notices. The email and phone are suppressed.', toPeople: 'Back to people',
    addTitle: 'Add a person', addEntryTitle: 'Add the person to another register', chooseRegister: 'Register', choosePurpose: 'Purpose',
    chooseSource: 'Where the details came from', sourceDetail: 'Source detail (optional)', consentEvidence: 'Evidence of consent',
    consentHint: 'This purpose rests on consent: say how and when the person gave it.',
    consentChannel: 'How the consent was given', added1: 'Person added', openPerson: 'Open the person', addAnother: 'Add another',
    needRegister: 'Choose a register', needPurpose: 'Choose a purpose', needSource: 'Choose a source', needEvidence: 'Enter the evidence of consent',
    needValue: 'Enter at least an email address or a phone number', refused: 'Not accepted: ',
    importTitle: 'Import a CSV file', csvFile: 'CSV file', csvHint: 'The first line is the header. At most 16 MB.',
    preview: 'Preview', previewFindings: 'These rows will be rejected', column: 'Column', field: 'Category', notImported: 'Not imported', firstRows: 'First rows',
    startImport: 'Start the import', rowsTotal: 'Rows', importing: 'Importing …', rowsDone: (d, t) => `${d} of ${t} rows`, imported: 'Imported', rejected: 'Rejected',
    suppressedN: 'Suppressed', rejects: 'Download the rejected rows (CSV)', importDone: 'Import finished', importFailed: 'The import failed',
    needFile: 'Choose a CSV file', tooBig: 'The file is over 16 MB: split it', line: 'Line',
    audienceTitle: 'Audience', show: 'Show', reachable: 'Reachable now', excluded: 'Left out', reason: 'Reason',
    xNoConsent: 'No consent', xExpired: 'Consent expired', xWithdrawn: 'Consent withdrawn', xRestricted: 'Processing restricted',
    xObjected: 'Objected', xSuppressed: 'Suppressed', downloadCsv: 'Download CSV',
    status: 'Status', type: 'Type', received: 'Received', due: 'Due', daysLeftCol: 'Time left', anyStatus: 'All statuses',
    onlyOverdue: 'Overdue only', newRequest: 'Record a new request', record: 'Record the request', channel: 'Channel',
    verify: 'Verify identity', method: 'Method', document: 'Document', complete: 'Mark as completed', note: 'Note (optional)',
    extend: 'Extend the deadline', months: 'Months', extendReason: 'Reason for the extension', reject: 'Reject the request', rejectReason: 'Reason for rejecting',
    rejectWarn: 'A rejected request is closed. The person is told the reason.', confirmReject: 'Confirm the rejection', timeline: 'Timeline',
    documents: 'Documents', contact: 'Contact', verification: 'Verification', extension: 'Extension', closed: 'Closed', open: 'Open',
    tlReceived: 'Request received', tlVerified: 'Identity verified', tlExtended: 'Deadline extended', tlClosed: 'Request closed',
    noRequests: 'No requests with these filters.', requestSaved: 'Request updated.', needReason: 'Enter a reason', needContact: 'Enter an email address or phone number',
    failedMessages: 'Failed emails', failedRecipientNotices: 'Failed notices to recipients (art 19)',
    retry: 'Retry', retried: 'It will be sent again.', nothingFailed: 'Nothing has failed.',
    connectors: 'Connectors', recipient: 'Recipient', connector: 'Connector', lastComplete: 'Last complete sync', nextAttempt: 'Next attempt',
    lastPass: 'Last sync', lastError: 'Last error', never: 'Not yet', syncNow: 'Sync now', syncing: 'Syncing …',
    syncStarted: 'Sync started', syncFinished: 'Sync finished', syncResult: (n) => `The state of ${n} is updated below.`,
    syncSlow: (n) => `The sync of ${n} goes on in the background. Reload this page to see its state.`,
    notConfigured: (v) => (v ? `Not configured: the environment variable ${v} is not set` : 'Not configured'),
    badCredential: (v) => `Not configured: the value of the environment variable ${v} is not usable`,
    configureHint: 'Set the environment variable and restart the service.',
    inStep: 'In step', inStepRefused: (n) => `In step, but for ${n} refused ${n === 1 ? 'person' : 'persons'}`, notYet: 'Waiting for the first sync', waitingUntil: (w) => `Waiting, next attempt ${w}`, incomplete: 'Incomplete',
    passCounts: (a, c, r, f) => `${a} added, ${c} changed, ${r} removed, ${f} refused`, lastPassCounts: 'Last sync: changes',
    anyTime: 'At the next round', noConnectors: 'No recipient has a Mailchimp or Salesforce connector.',
    refusedBy: (n) => `Persons ${n} refused`, person: 'Person', when: 'When', refusedMore: 'The first 100 are shown.',
    noneRefused: 'No recipient has refused anyone.', connectorsIntro: 'rekisteri keeps these recipients in step through their own APIs. Only the data declared as shared leaves.',
    firstContact: 'First message to people whose data came from elsewhere (art 14)',
    firstContactHelp: 'Copy this text into the first message to a person whose data came from a public source or another controller; it names the source and brings the right to object to their attention, apart from the rest.',
    firstContactNone: 'The declaration names no source other than the people themselves.',
    notice: 'Privacy notice', recordOfProcessing: 'Record of processing (art 30) downloads', lint: 'Declaration check',
    severity: 'Severity', rule: 'Rule', message: 'Message', place: 'Where', error: 'Error', warning: 'Warning', noFindings: 'No findings.',
    inFinnish: 'In Finnish', inEnglish: 'In English',
    accounts: 'Accounts', role: 'Role', state: 'State', created: 'Created', lastSignin: 'Last signed in', active: 'Active', disabled: 'Disabled',
    disable: 'Disable', enable: 'Enable', reset: 'New password link', changeRole: 'Change role', signins: 'Sign-ins',
    addAccount: 'Add an account', setupUrl: 'Set-password link (shown once, valid 24 h)', tokens: 'API tokens',
    revoke: 'Revoke', revoked: 'Revoked', confirmRevoke: 'Confirm revoking', revokeWarn: (n) => `Token ${n} stops working at once. Programs using it lose access to the API.`,
    ok: 'Done', result: 'Result', accountAdded: 'Account added', needEmail: 'Enter an email address', needName: 'Enter a name',
    signinOk: 'Succeeded', signinFail: 'Failed',
  },
};

const ENUMS = {
  fi: {
    access: 'Tarkastus', rectification: 'Oikaisu', erasure: 'Poisto', restriction: 'Rajoitus', portability: 'Siirto',
    objection: 'Vastustus', automated_decision: 'Automaattinen päätös', consent_withdrawal: 'Suostumuksen peruminen',
    received: 'Vastaanotettu', verified: 'Tunnistettu', in_progress: 'Käsittelyssä', completed: 'Valmis', rejected: 'Hylätty',
    web_form: 'Verkkolomake', email: 'Sähköposti', phone: 'Puhelin', contract: 'Sopimus', meeting: 'Tapaaminen',
    other_handover: 'Muu luovutus', public_source: 'Julkinen lähde', third_party: 'Kolmas osapuoli',
    web: 'Verkko', post: 'Posti', in_person: 'Paikan päällä', api: 'Rajapinta', email_code: 'Sähköpostikoodi',
    passport: 'Passi', id_card: 'Henkilökortti', driving_licence: 'Ajokortti', other: 'Muu',
    consent: 'Suostumus', legal_obligation: 'Lakisääteinen velvoite', legitimate_interest: 'Oikeutettu etu',
    vital_interest: 'Elintärkeä etu', public_task: 'Yleinen etu',
    given: 'Annettu', withdrawn: 'Peruttu', expired: 'Vanhentunut', pending: 'Odottaa vahvistusta', renewed: 'Uusittu', confirmed: 'Vahvistettu',
    error: 'Virhe', warning: 'Varoitus', invited: 'Kutsuttu, salasana asettamatta', active: 'Käytössä', disabled: 'Poistettu käytöstä', failed: 'Epäonnistunut',
  },
  en: {
    access: 'Access', rectification: 'Rectification', erasure: 'Erasure', restriction: 'Restriction', portability: 'Portability',
    objection: 'Objection', automated_decision: 'Automated decision', consent_withdrawal: 'Consent withdrawal',
    received: 'Received', verified: 'Verified', in_progress: 'In progress', completed: 'Completed', rejected: 'Rejected',
    web_form: 'Web form', email: 'Email', phone: 'Phone', contract: 'Contract', meeting: 'Meeting',
    other_handover: 'Other handover', public_source: 'Public source', third_party: 'Third party',
    web: 'Web', post: 'Post', in_person: 'In person', api: 'API', email_code: 'Email code',
    passport: 'Passport', id_card: 'Identity card', driving_licence: 'Driving licence', other: 'Other',
    consent: 'Consent', legal_obligation: 'Legal obligation', legitimate_interest: 'Legitimate interest',
    vital_interest: 'Vital interest', public_task: 'Public task',
    given: 'Given', withdrawn: 'Withdrawn', expired: 'Expired', pending: 'Awaiting confirmation', renewed: 'Renewed', confirmed: 'Confirmed',
    error: 'Error', warning: 'Warning', invited: 'Invited, no password yet', active: 'Active', disabled: 'Disabled', failed: 'Failed',
  },
};

const SOURCES = ['web_form', 'email', 'phone', 'contract', 'meeting', 'other_handover', 'public_source', 'third_party'];
const REQUEST_TYPES = ['access', 'rectification', 'erasure', 'restriction', 'portability', 'objection', 'automated_decision', 'consent_withdrawal'];
const REQUEST_STATUSES = ['received', 'verified', 'in_progress', 'completed', 'rejected'];

let lang = localStorage.getItem('rk_lang') || (document.documentElement.lang === 'en' ? 'en' : 'fi');
let me = null;
const t = (k, ...a) => {
  const v = WORDS[lang][k] ?? WORDS.en[k] ?? k;
  return typeof v === 'function' ? v(...a) : v;
};
const word = (v) => (v == null ? '' : ENUMS[lang][v] ?? String(v).replace(/_/g, ' '));

// ---- Building the page ----------------------------------------------------------------------

// h('p', {class: 'x', onclick: fn}, 'text', child, [more]) — never markup from strings.
function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' && tag !== 'option') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  add(el, kids);
  return el;
}
function add(el, kids) {
  for (const k of [kids].flat(Infinity)) if (k != null && k !== false) el.append(k instanceof Node ? k : String(k));
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, v);
  return add(el, kids);
}

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

// A labelled control with a hint and a place for its error message.
function field(label, control, hint) {
  control.id ||= nextId('f');
  const hintEl = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const err = h('p', { class: 'error-message', id: `${control.id}-error`, hidden: true });
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), hintEl, err, control);
}
function select(name, options, value, extra = {}) {
  return h('select', { name, ...extra }, options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
}
function input(name, type = 'text', extra = {}) {
  return h('input', { name, type, ...extra });
}

function table(caption, head, rows, numCols = []) {
  if (!rows.length) return h('p', { class: 'muted' }, caption ? `${caption}: ${t('none').toLowerCase()}` : t('none'));
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption || t('values') },
    // Explicit roles: on a phone the rows are drawn as stacked cards (console.css), which
    // would otherwise lose the table's semantics in some browsers.
    h('table', { role: 'table' },
      caption ? h('caption', null, caption, ' ', h('span', { class: 'count' }, `(${fmtNum(rows.length)})`)) : null,
      h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, head.map((c, i) => h('th', { scope: 'col', role: 'columnheader', class: numCols.includes(i) ? 'num' : null }, c)))),
      h('tbody', { role: 'rowgroup' }, rows.map((r) => h('tr', { role: 'row' }, r.map((c, i) => h('td', { role: 'cell', 'data-label': head[i], class: numCols.includes(i) ? 'num' : null }, c)))))));
}

function summaryList(pairs) {
  const dl = h('dl', { class: 'summary' });
  for (const [k, v] of pairs) if (v != null && v !== '') dl.append(h('dt', null, k), h('dd', null, v));
  return dl;
}

// Any object as readable text (a fallback for shapes the console does not know yet).
function plain(v) {
  if (v == null) return '';
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'string') return /^\d{4}-\d\d-\d\d(T[\d:.]+Z?)?$/.test(v) ? fmtWhen(v) : (ENUMS[lang][v] ?? v);
  if (Array.isArray(v)) return v.map(plain).join(', ');
  return Object.entries(v).map(([k, x]) => `${k.replace(/_/g, ' ')}: ${plain(x)}`).join('; ');
}
function autoTable(caption, rows) {
  if (!Array.isArray(rows)) return null;
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r || {})))].slice(0, 8);
  return table(caption, keys.map((k) => k.replace(/_/g, ' ')), rows.map((r) => keys.map((k) => plain(r[k]))));
}

// ---- Dates and numbers in the reader's language ---------------------------------------------

const locale = () => (lang === 'fi' ? 'fi-FI' : 'en-GB');
function toDate(v) {
  if (!v) return null;
  const d = new Date(/^\d{4}-\d\d-\d\d$/.test(v) ? `${v}T00:00:00` : v);
  return isNaN(d) ? null : d;
}
function fmtDate(v) {
  const d = toDate(v);
  return d ? new Intl.DateTimeFormat(locale(), { day: 'numeric', month: lang === 'fi' ? 'numeric' : 'long', year: 'numeric' }).format(d) : (v || '');
}
function fmtWhen(v) {
  const d = toDate(v);
  if (!d || /^\d{4}-\d\d-\d\d$/.test(v)) return fmtDate(v);
  const time = new Intl.DateTimeFormat(locale(), { hour: 'numeric', minute: '2-digit', hour12: lang !== 'fi' }).format(d);
  return lang === 'fi' ? `${fmtDate(v)} klo ${time}` : `${fmtDate(v)}, ${time}`;
}
const fmtNum = (n) => (typeof n === 'number' ? new Intl.NumberFormat(locale()).format(n) : n ?? '');
function daysUntil(day) {
  const d = toDate(day);
  if (!d) return null;
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  return Math.round((d - today) / 86400000);
}
// "7 days left" in amber, "3 days overdue" in red: words and colour together.
function dueStatus(days, overdue) {
  if (days == null) return '';
  if (overdue || days < 0) return h('span', { class: 'status red' }, t('overdue', Math.abs(days)));
  if (days === 0) return h('span', { class: 'status red' }, t('dueToday'));
  return h('span', { class: `status ${days <= 7 ? 'amber' : 'green'}` }, t('daysLeft', days));
}

// ---- The API ------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message, path, field = '', fi = '') {
    super(message);
    Object.assign(this, { status, code, path, field, fi });
  }
}

// Calls the staff API with the session cookie; a state-changing call carries the CSRF
// token. Not signed in (401): off to the sign-in page, coming back here afterwards.
async function api(method, path, body, type = 'application/json') {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = me?.csrf || '';
  if (body !== undefined) headers['Content-Type'] = type;
  let resp;
  try {
    resp = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : type === 'application/json' ? JSON.stringify(body) : body });
  } catch {
    throw new ApiError(0, 'network', t('network'), path);
  }
  if (resp.status === 401) {
    location.assign(`/console/login?next=${encodeURIComponent(`/console/${location.hash}`)}`);
    throw new ApiError(401, 'unauthorized', '', path);
  }
  const ct = resp.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await resp.json().catch(() => null) : await resp.text();
  if (!resp.ok) {
    const e = data?.error || {};
    throw new ApiError(resp.status, e.code || 'error', e.message || resp.statusText, path.split('?')[0], e.field || '', e.fi || '');
  }
  return data;
}

// What went wrong, in words: a route the server lacks, a refusal, or the server's sentence.
function problemText(e) {
  if (!(e instanceof ApiError)) return `${t('failed')}: ${e.message}`;
  if (e.status === 0) return t('network');
  if (e.status === 404 && /no such page/.test(e.message)) return t('noRoute', e.path);
  if (e.status === 403) return `${t('forbidden')} ${e.message ? t('serverSaid') + e.message : ''}`;
  return `${t('failed')}. ${t('serverSaid')}${e.message}`;
}
function problem(e) {
  if (e?.status === 401) return null;
  return h('div', { class: 'notice bad', role: 'alert' }, h('p', null, problemText(e)));
}

// ---- Forms: the error summary and messages beside the fields ------------------------------

function clearErrors(form) {
  form.querySelector('.error-summary')?.remove();
  for (const el of form.querySelectorAll('.error-message')) { el.hidden = true; el.textContent = ''; }
  for (const el of form.querySelectorAll('.error-field')) el.classList.remove('error-field');
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  document.title = document.title.replace(/^(Virhe|Error): /, '');
}
// errors: [{control, text}] — a summary at the top with a link to each field, focus on it,
// the same message next to the field, and "Error: " before the title.
function showErrors(form, errors) {
  clearErrors(form);
  const list = h('ul', null);
  for (const { control, text } of errors) {
    list.append(h('li', null, control
      ? h('a', { href: `#${control.id}`, onclick: (ev) => { ev.preventDefault(); control.focus(); } }, text)
      : text));
    if (control) {
      const msg = form.querySelector(`#${CSS.escape(control.id)}-error`);
      if (msg) { msg.textContent = text; msg.hidden = false; }
      control.closest('.field')?.classList.add('error-field');
      control.setAttribute('aria-invalid', 'true');
    }
  }
  const box = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' }, h('h2', null, t('problem')), list);
  form.prepend(box);
  document.title = t('errorTitle') + document.title;
  box.focus();
}
// An API refusal shown on the form: next to the field the message names, when it names one.
// The API names the field (error.field) and gives the refusal in Finnish (error.fi) where it
// has one; otherwise the field is looked for in its message.
function showApiError(form, e, controls = {}) {
  if (e?.status === 401) return;
  const own = e instanceof ApiError && lang === 'fi' && e.fi;
  const text = own ? e.fi : e instanceof ApiError && e.status === 422 ? t('refused') + e.message : problemText(e);
  let control = e instanceof ApiError && e.field ? controls[e.field] || null : null;
  const m = /\b(?:values\.)?([a-z_]+)\b/g;
  if (!control) for (const [, w] of (e.message || '').matchAll(m)) if (controls[w]) { control = controls[w]; break; }
  showErrors(form, [{ control, text }]);
}

// A form whose submit runs fn(form) with the button disabled meanwhile.
function form(props, kids, fn) {
  const f = h('form', { novalidate: true, ...props }, kids);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const buttons = f.querySelectorAll('button');
    buttons.forEach((b) => (b.disabled = true));
    try { await fn(f); } finally { buttons.forEach((b) => (b.disabled = false)); }
  });
  return f;
}

function confirmation(title, text, links = []) {
  const box = h('div', { class: 'confirmation', role: 'status', tabindex: '-1' }, h('h2', null, title), text ? h('p', null, text) : null,
    links.length ? h('p', null, links.map(([href, l], i) => [i ? ' · ' : '', h('a', { href }, l)])) : null);
  return box;
}

// ---- Who is signed in ---------------------------------------------------------------------------

const can = (cap) => !cap || (me?.caps || []).includes(cap);
const name = (o) => (o && typeof o === 'object' ? o[lang] || o.fi || o.en || '' : o || '');
const regOf = (id) => (me?.registers || []).find((r) => r.id === id);
const regName = (id) => name(regOf(id)?.name) || id;
const purposeOf = (id) => (me?.purposes || []).find((p) => p.id === id);
const purposeName = (id) => name(purposeOf(id)?.name) || id;
function catName(regId, field) {
  const cats = regId ? regOf(regId)?.categories || [] : (me?.registers || []).flatMap((r) => r.categories || []);
  const c = cats.find((x) => x.field === field || x.id === field);
  return c ? name(c.name) : (WORDS[lang][field] && typeof WORDS[lang][field] === 'string' ? WORDS[lang][field] : field);
}

// ---- The pages ------------------------------------------------------------------------------------

const PAGES = {
  overview: { cap: 'overview', render: overviewPage },
  people: { cap: 'people', render: peoplePage },
  add: { cap: 'add', render: addPage },
  import: { cap: 'import', render: importPage },
  audience: { cap: 'audience', render: audiencePage },
  requests: { cap: 'requests', render: requestsPage },
  recipients: { cap: 'recipients', render: recipientsPage },
  declaration: { cap: 'declaration', render: declarationPage },
  staff: { cap: 'staff', render: staffPage },
};
const MENU = ['overview', 'people', 'add', 'import', 'audience', 'requests', 'recipients', 'declaration', 'staff'];

const main = document.getElementById('main');
let view = null; // the current page's container; a page rendering into a stale one is harmless

// Starts a page: its <h1> and title; returns the element the page fills in.
function begin(title) {
  document.title = `${title} – rekisteri`;
  view = h('div', null, h('h1', null, title));
  main.replaceChildren(view);
  return view;
}
function loading(into) {
  const p = h('p', { role: 'status' }, t('loading'));
  into.append(p);
  return p;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), q: new URLSearchParams(query) };
}
const go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

let firstRoute = true;
async function route() {
  const { parts, q } = parseHash();
  const key = parts[0] || 'overview';
  const page = PAGES[key];
  renderMenu(key);
  main.dataset.state = 'loading'; // for the browser test: the page is drawn when "ready"
  if (!page) {
    begin(t('notFound')).append(h('p', null, t('notFoundText')));
  } else if (!can(page.cap)) {
    begin(t('refusedTitle')).append(h('p', null, t('refusedText')));
  } else {
    try {
      await page.render(parts.slice(1), q);
    } catch (e) {
      const p = problem(e);
      if (p) view.append(p);
    }
  }
  main.dataset.state = 'ready';
  if (!firstRoute) main.focus();
  firstRoute = false;
}

function renderMenu(current) {
  const nav = document.getElementById('menu');
  nav.setAttribute('aria-label', t('menu'));
  nav.replaceChildren(h('ul', null, MENU.filter((k) => can(PAGES[k].cap)).map((k) =>
    h('li', null, h('a', { href: `#/${k}`, 'aria-current': k === current ? 'page' : null }, t(k))))));
  const who = document.getElementById('who');
  const person = me?.account?.name || me?.token || '';
  who.replaceChildren(
    h('span', null, t('signedIn', person, name(me?.role?.name) || me?.role?.id || '')),
    h('button', { type: 'button', class: 'link', lang: t('otherLang'), onclick: switchLang }, t('other')),
    me?.account ? h('button', { type: 'button', class: 'link', onclick: signOut }, t('signOut')) : null);
  document.querySelector('.skip').textContent = t('skip');
}

function switchLang() {
  lang = lang === 'fi' ? 'en' : 'fi';
  localStorage.setItem('rk_lang', lang);
  document.documentElement.lang = lang;
  route();
}

async function signOut() {
  try {
    await fetch('/console/logout', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': me?.csrf || '', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `csrf=${encodeURIComponent(me?.csrf || '')}`,
    });
  } finally {
    location.assign('/console/login');
  }
}

// ---- 1. Overview ---------------------------------------------------------------------------------

async function overviewPage() {
  const v = begin(t('overview'));
  const wait = loading(v);
  const o = await api('GET', '/api/v1/overview');
  wait.remove();
  if (o.requests) {
    const rows = [...o.requests].sort((a, b) => (b.overdue - a.overdue) || String(a.due).localeCompare(String(b.due)));
    v.append(h('h2', null, t('reqByDue')), table(t('reqByDue'), [t('type'), t('status'), t('due'), t('daysLeftCol')],
      rows.map((r) => [h('a', { href: `#/requests/${encodeURIComponent(r.id)}` }, word(r.type)), word(r.status), fmtDate(r.due),
        dueStatus(r.days_left ?? daysUntil(r.due), r.overdue)])));
  }
  const grid = h('div', { class: 'grid2' });
  v.append(grid);
  const col1 = h('section', null), col2 = h('section', null);
  grid.append(col1, col2);
  if (o.tasks) col1.append(h('h2', null, t('openTasks')), summaryList([[t('art14'), fmtNum(o.tasks.art14 ?? 0)], [t('objections'), fmtNum(o.tasks.objections ?? 0)]]));
  if (o.failed) {
    col1.append(h('h2', null, t('failedTitle')), summaryList([[t('failedMail'), fmtNum(o.failed.mail ?? 0)], [t('failedNotices'), fmtNum(o.failed.notices ?? 0)]]));
    if (can('recipients') && (o.failed.mail || o.failed.notices)) col1.append(h('p', null, h('a', { href: '#/recipients' }, t('recipients'))));
  }
  if (o.cookie_consents) { // the website's consent log (docs/cookies.md), today's local day
    const k = o.cookie_consents;
    col1.append(h('h2', null, t('cookiesToday')), summaryList([[t('cookieAcceptAll'), fmtNum(k.accept_all ?? 0)],
      [t('cookieRejectAll'), fmtNum(k.reject_all ?? 0)], [t('cookieCustom'), fmtNum(k.custom ?? 0)], [t('cookieWithdraw'), fmtNum(k.withdraw ?? 0)]]));
  }
  col2.append(h('h2', null, t('sweep')), o.sweep
    ? summaryList(Object.entries(o.sweep).map(([k, x]) => [k === 'at' ? t('at') : k === 'deleted' ? t('deleted') : k.replace(/_/g, ' '), plain(x)]))
    : h('p', null, t('noSweep')));
  if (o.audit) {
    const a = o.audit;
    const state = a.verified_ok == null ? t('notVerified')
      : h('span', { class: `status ${a.verified_ok ? 'green' : 'red'}` }, a.verified_ok ? t('chainOk') : t('chainBad'));
    col2.append(h('h2', null, t('audit')), summaryList([[t('head'), fmtNum(a.head)], [t('hash'), h('code', null, String(a.hash || '').slice(0, 16))],
      [t('verifiedAt'), a.verified_at ? fmtWhen(a.verified_at) : t('notVerified')], [t('status'), state]]));
    if (can('audit_trail')) {
      const out = h('div', { 'aria-live': 'polite' });
      col2.append(h('button', { type: 'button', class: 'secondary', onclick: async (ev) => {
        ev.target.disabled = true;
        try { await api('POST', '/api/v1/audit/verify', {}); await overviewPage(); } catch (e) { out.replaceChildren(problem(e) || ''); ev.target.disabled = false; }
      } }, t('verifyNow')), out);
    }
  }
  if (o.registers) v.append(h('h2', null, t('personsPerRegister')), table(t('personsPerRegister'), [t('register'), t('persons')],
    o.registers.map((r) => [regName(r.id), fmtNum(r.persons)]), [1]));
  if (o.consents_weekly) consentChart(v, o.consents_weekly);
  if (o.audience) {
    v.append(h('h2', null, t('audienceSize')));
    if (o.audience.length) v.append(hbarChart(t('audienceSize'), o.audience.map((a) => [purposeName(a.purpose), a.size])));
    v.append(table(t('audienceSize'), [t('purpose'), t('size')], o.audience.map((a) => [purposeName(a.purpose), fmtNum(a.size)]), [1]));
  }
}

// Grouped bars per week (given, withdrawn, expired), summed over the purposes, with the
// whole table (per purpose) below.
function consentChart(v, rows) {
  v.append(h('h2', null, t('consentsWeekly')));
  const weeks = [...new Set(rows.map((r) => r.week))].sort();
  const keys = ['given', 'withdrawn', 'expired'];
  const sum = weeks.map((w) => keys.map((k) => rows.filter((r) => r.week === w).reduce((n, r) => n + (r[k] || 0), 0)));
  const tick = Math.max(1, Math.ceil(Math.max(0, ...sum.flat()) / 4)), max = tick * 4; // whole-number ticks
  const W = 760, H = 260, L = 48, B = 40, T = 12, plotW = W - L - 8, plotH = H - B - T;
  const gw = plotW / Math.max(weeks.length, 1), bw = Math.max(2, (gw - 4) / 3);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${t('consentsWeekly')}. ${t('chartNote')}` });
  for (let i = 0; i <= 4; i++) {
    const y = T + plotH - (plotH * i) / 4;
    svg.append(s('line', { x1: L, x2: W - 8, y1: y, y2: y, class: 'grid' }), s('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }, fmtNum(tick * i)));
  }
  weeks.forEach((w, i) => {
    keys.forEach((k, j) => {
      const hgt = (plotH * sum[i][j]) / max;
      svg.append(s('rect', { x: L + i * gw + 2 + j * bw, y: T + plotH - hgt, width: bw, height: hgt, class: `bar-${k}` }));
    });
    if (i % 4 === 0) svg.append(s('text', { x: L + i * gw + gw / 2, y: H - B + 16, 'text-anchor': 'middle' }, String(w).replace(/^\d{4}-/, '')));
  });
  svg.append(s('line', { x1: L, x2: L, y1: T, y2: T + plotH, class: 'axis' }), s('line', { x1: L, x2: W - 8, y1: T + plotH, y2: T + plotH, class: 'axis' }),
    s('text', { x: L + plotW / 2, y: H - 4, 'text-anchor': 'middle' }, t('week')));
  v.append(h('div', { class: 'chart' }, svg),
    h('ul', { class: 'legend' }, keys.map((k) => h('li', null, h('span', { class: `k-${k}` }), t(k)))),
    h('details', null, h('summary', null, `${t('consentsWeekly')}: ${t('values').toLowerCase()}`),
      table(t('consentsWeekly'), [t('week'), t('purpose'), t('given'), t('withdrawn'), t('expired')],
        rows.map((r) => [r.week, purposeName(r.purpose), fmtNum(r.given || 0), fmtNum(r.withdrawn || 0), fmtNum(r.expired || 0)]), [2, 3, 4])));
}

function hbarChart(label, pairs) {
  const max = Math.max(1, ...pairs.map(([, n]) => n || 0));
  const W = 760, row = 32, L = 220, H = pairs.length * row + 8;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${label}. ${t('chartNote')}` });
  pairs.forEach(([l, n], i) => {
    const w = ((W - L - 80) * (n || 0)) / max;
    svg.append(s('text', { x: L - 8, y: i * row + 22, 'text-anchor': 'end' }, String(l).slice(0, 30)),
      s('rect', { x: L, y: i * row + 6, width: w, height: row - 12, class: 'bar-size' }),
      s('text', { x: L + w + 6, y: i * row + 22 }, fmtNum(n || 0)));
  });
  return h('div', { class: 'chart' }, svg);
}

// ---- 2. People ------------------------------------------------------------------------------------

function peopleFilters(q) {
  const regs = (me.registers || []);
  const purposes = me.purposes || [];
  const qIn = input('q', 'search', { value: q.get('q') || '', autocomplete: 'off' });
  const f = form({ role: 'search', class: 'search' }, [
    field(t('searchLabel'), qIn, t('searchHint')),
    h('fieldset', null, h('legend', null, t('filters')), h('div', { class: 'filters' },
      field(t('register'), select('register', [['', t('anyRegister')], ...regs.map((r) => [r.id, name(r.name)])], q.get('register') || '')),
      field(t('organisation'), input('organisation', 'text', { value: q.get('organisation') || '' })),
      field(t('purpose'), select('purpose', [['', t('allPurposes')], ...purposes.map((p) => [p.id, name(p.name)])], q.get('purpose') || '')),
      field(t('consentState'), select('consent', [['', t('anyState')], ['given', t('cGiven')], ['withdrawn', t('cWithdrawn')], ['expired', t('cExpired')], ['none', t('cNone')]], q.get('consent') || '')),
      field(t('since'), input('since', 'date', { value: q.get('since') || '' })))),
    h('button', { type: 'submit' }, t('search')),
  ], (fm) => {
    const p = new URLSearchParams();
    for (const [k, val] of new FormData(fm)) if (String(val).trim()) p.set(k, String(val).trim());
    go(`#/people?${p}`);
  });
  return f;
}

async function peoplePage(parts, q) {
  if (parts[0] && parts[1] === 'erase') return erasePage(parts[0]);
  if (parts[0]) return personPage(parts[0]);
  const v = begin(t('people'));
  v.append(peopleFilters(q));
  const params = new URLSearchParams([...q].filter(([k]) => ['q', 'register', 'organisation', 'purpose', 'consent', 'since', 'after'].includes(k)));
  // Without a query or filter: everyone the role sees, newest first, a page at a time.
  params.set('limit', '50');
  const wait = loading(v);
  const res = await api('GET', `/api/v1/persons?${params}`);
  wait.remove();
  // The answer's newer shape (one row per person) or the older one (one row per entry).
  const byId = new Map();
  for (const p of res.persons || []) {
    if (p.values && !Array.isArray(p.registers)) {
      const cur = byId.get(p.id) || { id: p.id, registers: [] };
      for (const k of ['name', 'email', 'phone', 'organisation']) cur[k] ||= p.values[k];
      cur.registers.push(p.register);
      byId.set(p.id, cur);
    } else byId.set(p.id, p);
  }
  const rows = [...byId.values()];
  const region = h('section', { 'aria-live': 'polite' });
  v.append(region);
  if (!rows.length) { region.append(h('p', null, t('noResults'))); return; }
  region.append(h('p', { class: 'count', role: 'status' }, t('shown', fmtNum(rows.length))));
  region.append(table(t('people'), [t('name'), t('email'), t('phone'), t('organisation'), t('registers'), t('added')], rows.map((p) => [
    h('a', { href: `#/people/${encodeURIComponent(p.id)}` }, p.name || p.email || p.phone || p.id),
    p.email || '', p.phone || '', p.organisation || '', (p.registers || []).map(regName).join(', '), fmtDate(p.added)])));
  const pager = h('p', { class: 'pager' });
  if (q.get('after')) { const first = new URLSearchParams(q); first.delete('after'); pager.append(h('a', { href: `#/people?${first}` }, t('first'))); }
  if (res.next) { const nx = new URLSearchParams(q); nx.set('after', res.next); pager.append(h('a', { href: `#/people?${nx}` }, t('next'))); }
  region.append(pager);
}

// The values of one entry: {field: "v"} or {field: {value, source, purpose, at, by}} or
// [{category, value, ...}], as rows.
function valueRows(regId, values) {
  const list = Array.isArray(values) ? values.map((x) => [x.category || x.field || x.id, x])
    : Object.entries(values || {});
  return list.map(([k, x]) => {
    const o = x && typeof x === 'object' ? x : { value: x };
    const src = o.source && typeof o.source === 'object' ? [word(o.source.kind), o.source.detail].filter(Boolean).join(': ') : word(o.source);
    return [catName(regId, k), o.value ?? '', src || '', o.purpose ? purposeName(o.purpose) : '', fmtWhen(o.at), o.by_name || o.by || ''];
  });
}

async function personPage(id) {
  const v = begin(t('person'));
  const wait = loading(v);
  let rec, old = false;
  try {
    rec = await api('GET', `/api/v1/persons/${encodeURIComponent(id)}/record`);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404 && /no such page/.test(e.message))) throw e;
    rec = await api('GET', `/api/v1/persons/${encodeURIComponent(id)}`);
    old = true;
    try {
      const c = await api('GET', `/api/v1/persons/${encodeURIComponent(id)}/consents`);
      rec.consents = Array.isArray(c) ? c : c.consents || c.events || [];
    } catch { /* the values alone, then */ }
  }
  wait.remove();
  const regs = rec.registers || rec.entries || [];
  const first = (f) => { for (const r of regs) { const x = Array.isArray(r.values) ? r.values.find((y) => (y.category || y.field) === f) : r.values?.[f]; if (x) return typeof x === 'object' ? x.value : x; } return ''; };
  const title = first('name') || first('email') || id;
  document.title = `${title} – rekisteri`;
  v.querySelector('h1').textContent = title;
  if (old) v.append(h('p', { class: 'notice' }, t('oldRecord')));
  v.append(summaryList([['id', h('code', null, rec.id || id)]]));

  // Actions as the role allows.
  const acts = h('div', { class: 'actions' });
  if (can('add')) acts.append(h('a', { href: `#/add?person=${encodeURIComponent(id)}` }, t('addToRegister')));
  if (can('rights')) acts.append(h('a', { href: `#/people/${encodeURIComponent(id)}/erase` }, t('erase')));
  if (acts.childElementCount) v.append(h('h2', null, t('actions')), acts);
  const out = h('div', { 'aria-live': 'polite' });
  v.append(out);

  for (const r of regs) {
    const regId = r.register || r.id;
    v.append(h('h2', null, regName(regId)), table(`${regName(regId)}: ${t('values').toLowerCase()}`,
      [t('category'), t('value'), t('source'), t('purpose'), t('when'), t('by')], valueRows(regId, r.values)));
    if (can('people')) v.append(editForm(id, regId, r.values, out));
  }

  const events = rec.consents || rec.consent_ledger || [];
  v.append(h('h2', null, t('consents')));
  if (events.length) {
    v.append(h('ol', { class: 'timeline' }, [...events].sort((a, b) => String(b.at).localeCompare(String(a.at))).map((ev) => h('li', null,
      h('strong', null, `${fmtWhen(ev.at)} · ${word(ev.event || ev.state)}`), h('br'), purposeName(ev.purpose),
      ev.notice_version ? [h('br'), `${t('noticeVersion')}: ${ev.notice_version}`] : null,
      ev.evidence ? [h('br'), `${t('evidence')}: ${plain(ev.evidence)}`] : null))));
  } else v.append(h('p', { class: 'muted' }, t('none')));
  if (can('people')) v.append(consentForms(id, events, out));
  if (can('rights')) v.append(rightsForms(id, out));

  for (const [key, label] of [['contracts', 'contracts'], ['invoices', 'invoices'], ['tasks', 'tasks']]) {
    if (!Array.isArray(rec[key])) continue;
    v.append(h('h2', null, t(label)), autoTable(t(label), rec[key].map((x) => ({ ...x, history: undefined }))));
    for (const c of rec[key]) if (Array.isArray(c.history) && c.history.length)
      v.append(h('details', null, h('summary', null, `${t('history')}: ${c.id || ''}`), autoTable(t('history'), c.history)));
  }
  if (Array.isArray(rec.requests) && can('requests')) v.append(h('h2', null, t('requests')), table(t('requests'), [t('type'), t('status'), t('received'), t('due')],
    rec.requests.map((q) => [h('a', { href: `#/requests/${encodeURIComponent(q.id)}` }, word(q.type)), word(q.status), fmtDate(q.received_on || q.received_at), fmtDate(q.extended_due || q.due)])));
  if (Array.isArray(rec.audit) && can('audit_trail')) v.append(h('h2', null, t('auditTrail')), table(t('auditTrail'), [t('when'), t('actor'), t('action'), t('detail')],
    rec.audit.map((a) => [fmtWhen(a.at), a.actor_name || a.actor, a.action, plain(a.detail)])));
}

function editForm(id, regId, values, out) {
  const reg = regOf(regId);
  const cats = (reg?.categories || []).filter((c) => c.field);
  if (!cats.length) return null;
  const cur = (f) => { const x = Array.isArray(values) ? values.find((y) => (y.category || y.field) === f) : values?.[f]; return x && typeof x === 'object' ? x.value : x || ''; };
  const controls = {};
  const purposes = (me.purposes || []).filter((p) => (p.registers || []).includes(regId));
  const purposeSel = select('purpose', purposes.map((p) => [p.id, name(p.name)]));
  const sourceSel = select('source', SOURCES.map((x) => [x, word(x)]), 'email');
  const f = form({}, [
    ...cats.map((c) => field(name(c.name), (controls[c.field] = input(c.field, c.field === 'email' ? 'email' : c.field === 'phone' ? 'tel' : 'text', { value: cur(c.field) })))),
    field(t('choosePurpose'), purposeSel), field(t('chooseSource'), sourceSel),
    h('button', { type: 'submit' }, t('save')),
  ], async (fm) => {
    clearErrors(fm);
    const vals = {};
    for (const c of cats) { const x = controls[c.field].value.trim(); if (x !== cur(c.field)) vals[c.field] = x; }
    try {
      await api('PATCH', `/api/v1/persons/${encodeURIComponent(id)}`, { register: regId, purpose: purposeSel.value, source: sourceSel.value, values: vals });
      out.replaceChildren(confirmation(t('done'), t('saved')));
      await personPage(id);
    } catch (e) { showApiError(fm, e, controls); }
  });
  return h('details', null, h('summary', null, `${t('edit')}: ${regName(regId)}`), f);
}

function consentForms(id, events, out) {
  const consentPurposes = (me.purposes || []).filter((p) => p.basis === 'consent');
  if (!consentPurposes.length) return null;
  const last = new Map();
  for (const ev of [...events].sort((a, b) => String(a.at).localeCompare(String(b.at)))) last.set(ev.purpose, ev.event || ev.state);
  const purposeSel = select('purpose', consentPurposes.map((p) => [p.id, name(p.name)]));
  const evidence = input('evidence');
  const channel = select('channel', SOURCES.map((x) => [x, word(x)]), 'phone');
  const give = form({}, [field(t('purpose'), purposeSel), field(t('consentChannel'), channel), field(t('evidence'), evidence),
    h('button', { type: 'submit' }, t('giveConsent'))], async (fm) => {
    if (!evidence.value.trim()) return showErrors(fm, [{ control: evidence, text: t('needEvidence') }]);
    try {
      await api('POST', `/api/v1/persons/${encodeURIComponent(id)}/consents`, { purpose: purposeSel.value, channel: channel.value, evidence: evidence.value.trim(), lang });
      await personPage(id);
      view.querySelector('[aria-live]')?.replaceChildren(confirmation(t('done'), t('consentGiven')));
    } catch (e) { showApiError(fm, e, { evidence }); }
  });
  const withdrawals = [...last].filter(([, st]) => ['given', 'confirmed', 'renewed'].includes(st)).map(([pid]) =>
    h('button', { type: 'button', class: 'secondary', onclick: async () => {
      try {
        await api('POST', `/api/v1/persons/${encodeURIComponent(id)}/consents/${encodeURIComponent(pid)}/withdraw`, { channel: 'email' });
        await personPage(id);
        view.querySelector('[aria-live]')?.replaceChildren(confirmation(t('done'), t('consentWithdrawn')));
      } catch (e) { out.replaceChildren(problem(e) || ''); }
    } }, `${t('withdraw')}: ${purposeName(pid)}`));
  return h('details', null, h('summary', null, t('giveConsent')), give, withdrawals.length ? h('div', { class: 'actions' }, withdrawals) : null);
}

function rightsForms(id, out) {
  const purposes = me.purposes || [];
  const mk = (kind, label, doneText) => {
    const ps = select('purpose', [['', t('allPurposes')], ...purposes.map((p) => [p.id, name(p.name)])]);
    const grounds = h('textarea', { name: 'grounds' });
    return h('details', null, h('summary', null, label), form({}, [field(t('optionalPurpose'), ps), field(t('grounds'), grounds), h('button', { type: 'submit', class: 'secondary' }, label)], async (fm) => {
      const body = {};
      if (ps.value) body.purpose = ps.value;
      if (grounds.value.trim()) body.grounds = grounds.value.trim();
      try {
        await api('POST', `/api/v1/persons/${encodeURIComponent(id)}/${kind}`, body);
        out.replaceChildren(confirmation(t('done'), doneText));
        out.querySelector('.confirmation').focus();
      } catch (e) { showApiError(fm, e, { grounds }); }
    }));
  };
  return h('div', null, mk('restrict', t('restrict'), t('restricted')), mk('object', t('object'), t('objected')));
}

// ---- 3. Erasure preview ---------------------------------------------------------------------

function itemText(x) {
  if (typeof x !== 'object' || x == null) return plain(x);
  const parts = [];
  if (x.register) parts.push(regName(x.register));
  const cats = x.categories || (x.category ? [x.category] : []);
  if (cats.length) parts.push(cats.map((c) => (typeof c === 'object' ? name(c.name) || c.id : catName(x.register, c))).join(', '));
  const law = name(x.obligation) || name(x.law) || name(x.reason);
  if (law) parts.push(law);
  if (x.until) parts.push(`${t('until')} ${fmtDate(x.until)}`);
  if (x.recipient || x.name) parts.push(name(x.name) || x.recipient);
  return parts.length ? parts.join(' — ') : plain(x);
}
const asList = (xs) => (Array.isArray(xs) && xs.length ? h('ul', null, xs.map((x) => h('li', null, itemText(x)))) : h('p', null, t('none')));

async function erasePage(id) {
  const v = begin(t('erasePreview'));
  const wait = loading(v);
  const p = await api('GET', `/api/v1/persons/${encodeURIComponent(id)}/erasure`);
  wait.remove();
  v.append(h('p', null, h('a', { href: `#/people/${encodeURIComponent(id)}` }, t('back'))));
  // delete: {registers: [{id, name, categories: [{id, name}]}], entries, consent_events, contracts, invoices}
  const del = p.delete || {};
  const delItems = (del.registers || []).map((r) => `${name(r.name) || regName(r.id)}: ${(r.categories || []).map((c) => name(c.name) || c.id).join(', ')}`);
  for (const k of ['consent_events', 'contracts', 'invoices']) if (del[k]) delItems.push(`${t(k)}: ${fmtNum(del[k])}`);
  v.append(h('h2', null, t('willDelete')), asList(delItems));
  // no_retention_declared: {invoices, contracts} that go only because no keep rule is declared
  const nk = p.no_retention_declared || {};
  if (nk.invoices || nk.contracts || nk.invoices_recorded_before_rule) {
    v.append(h('div', { class: 'notice warn', role: 'alert', id: 'no-retention' }, h('h3', null, t(nk.invoices || nk.contracts ? 'noKeepTitle' : 'noKeepUnmarkedTitle')),
      nk.invoices ? h('p', null, t('noKeepInvoices', nk.invoices)) : null,
      nk.invoices ? h('pre', null, 'erasure:\n  keep_years: 6\n  from: end_of_financial_period\n  obligation: {fi: Kirjanpitolaki 1336/1997 2:10, en: Accounting Act 1336/1997 2:10}') : null,
      nk.invoices_recorded_before_rule ? h('p', null, t('noKeepUnmarked', nk.invoices_recorded_before_rule)) : null,
      nk.contracts ? h('p', null, t('noKeepContracts', nk.contracts)) : null));
  }
  // keep: [{what, count, until, why, obligation, keep_years}]
  v.append(h('h2', null, t('willKeep')), asList((p.keep || []).map((k) => [`${t(k.what) || k.what}${k.count != null ? ` (${fmtNum(k.count)})` : ''}`,
    name(k.obligation) || k.why, k.until ? `${t('until')} ${fmtDate(k.until)}` : ''].filter(Boolean).join(' — '))));
  v.append(h('h2', null, t('recipientsTold')), asList((p.recipients || []).map((r) => [name(r.name) || r.id, r.country].filter(Boolean).join(', '))));
  const sup = p.suppress || {};
  v.append(h('h2', null, t('suppressed')), h('p', null, sup.email === false && sup.phone === false ? t('suppressNone') : t('suppressText')));
  const confirm = input('confirm', 'text', { autocomplete: 'off', spellcheck: 'false' });
  const f = form({}, [h('p', { class: 'warning-text' }, t('eraseWarning')), field(t('confirmErase'), confirm),
    h('button', { type: 'submit', class: 'warning' }, t('erase')), ' ', h('a', { href: `#/people/${encodeURIComponent(id)}` }, t('cancel'))], async (fm) => {
    if (!confirm.value.trim()) return showErrors(fm, [{ control: confirm, text: t('confirmMismatch') }]);
    try {
      await api('POST', `/api/v1/persons/${encodeURIComponent(id)}/erase`, { confirm: confirm.value.trim() });
      const done = begin(t('erased'));
      done.append(confirmation(t('erased'), t('erasedNext'), [['#/people', t('toPeople')], ['#/overview', t('overview')]]));
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) showErrors(fm, [{ control: confirm, text: t('confirmMismatch') }]);
      else showApiError(fm, e);
    }
  });
  v.append(f);
}

// ---- 4. Add a person -------------------------------------------------------------------------

async function addPage(parts, q) {
  const personId = q.get('person');
  const v = begin(personId ? t('addEntryTitle') : t('addTitle'));
  const regs = me.registers || [];
  const regSel = select('register', [['', t('choose')]].concat(regs.map((r) => [r.id, name(r.name)])), q.get('register') || '');
  const purposeSel = select('purpose', []);
  const sourceSel = select('source', [['', t('choose')]].concat(SOURCES.map((x) => [x, word(x)])), '');
  const detail = input('source_detail');
  const valuesBox = h('div');
  const consentBox = h('fieldset', { hidden: true });
  const channel = select('channel', SOURCES.map((x) => [x, word(x)]), 'meeting');
  const evidence = h('textarea', { name: 'evidence' });
  consentBox.append(h('legend', null, t('consentEvidence')), h('p', { class: 'hint' }, t('consentHint')), field(t('consentChannel'), channel), field(t('evidence'), evidence));
  let controls = {};
  const fillPurposes = () => {
    const ps = (me.purposes || []).filter((p) => !regSel.value || (p.registers || []).includes(regSel.value));
    purposeSel.replaceChildren(...[['', t('choose')]].concat(ps.map((p) => [p.id, `${name(p.name)} (${word(p.basis)})`])).map(([val, l]) => h('option', { value: val }, l)));
    const cats = (regOf(regSel.value)?.categories || []).filter((c) => c.field);
    controls = {};
    valuesBox.replaceChildren(...cats.map((c) => field(name(c.name), (controls[c.field] = input(c.field, c.field === 'email' ? 'email' : c.field === 'phone' ? 'tel' : 'text', { autocomplete: 'off' })))));
    consentBox.hidden = true;
  };
  regSel.addEventListener('change', fillPurposes);
  purposeSel.addEventListener('change', () => { consentBox.hidden = purposeOf(purposeSel.value)?.basis !== 'consent'; });
  fillPurposes();
  const f = form({}, [field(t('chooseRegister'), regSel), field(t('choosePurpose'), purposeSel), field(t('chooseSource'), sourceSel), field(t('sourceDetail'), detail),
    valuesBox, consentBox, h('button', { type: 'submit' }, personId ? t('addToRegister') : t('addTitle'))], async (fm) => {
    const errors = [];
    if (!regSel.value) errors.push({ control: regSel, text: t('needRegister') });
    if (!purposeSel.value) errors.push({ control: purposeSel, text: t('needPurpose') });
    if (!sourceSel.value) errors.push({ control: sourceSel, text: t('needSource') });
    const values = {};
    for (const [k, c] of Object.entries(controls)) if (c.value.trim()) values[k] = c.value.trim();
    if (!personId && regSel.value && !values.email && !values.phone) errors.push({ control: controls.email || controls.phone || null, text: t('needValue') });
    const consent = !consentBox.hidden;
    if (consent && !evidence.value.trim()) errors.push({ control: evidence, text: t('needEvidence') });
    if (errors.length) return showErrors(fm, errors);
    const body = { register: regSel.value, purpose: purposeSel.value, source: sourceSel.value, values };
    if (detail.value.trim()) body.source_detail = detail.value.trim();
    if (consent) body.consent = { channel: channel.value, evidence: evidence.value.trim() };
    try {
      const res = personId ? await api('POST', `/api/v1/persons/${encodeURIComponent(personId)}/entries`, body) : await api('POST', '/api/v1/persons', body);
      const pid = personId || res?.id || res?.person_id || res?.person?.id;
      const done = begin(t('added1'));
      done.append(confirmation(t('added1'), `${regName(body.register)} · ${purposeName(body.purpose)}`,
        [pid ? [`#/people/${encodeURIComponent(pid)}`, t('openPerson')] : null, ['#/add', t('addAnother')]].filter(Boolean)));
      done.querySelector('.confirmation').focus();
    } catch (e) { showApiError(fm, e, { ...controls, source_detail: detail, evidence, consent: evidence, register: regSel, purpose: purposeSel, source: sourceSel }); }
  });
  v.append(f);
}

// ---- 5. Import -------------------------------------------------------------------------------

async function importPage() {
  const v = begin(t('importTitle'));
  const regs = me.registers || [];
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv' });
  const regSel = select('register', regs.map((r) => [r.id, name(r.name)]));
  const purposeSel = select('purpose', []);
  const sourceSel = select('source', SOURCES.map((x) => [x, word(x)]), 'other_handover');
  const fillPurposes = () => purposeSel.replaceChildren(...(me.purposes || []).filter((p) => (p.registers || []).includes(regSel.value)).map((p) => h('option', { value: p.id }, name(p.name))));
  regSel.addEventListener('change', fillPurposes);
  fillPurposes();
  const out = h('section', { 'aria-live': 'polite' });
  const qs = () => new URLSearchParams({ register: regSel.value, purpose: purposeSel.value, source: sourceSel.value });
  const f = form({}, [field(t('csvFile'), file, t('csvHint')), field(t('chooseRegister'), regSel), field(t('choosePurpose'), purposeSel), field(t('chooseSource'), sourceSel),
    h('button', { type: 'submit', class: 'secondary' }, t('preview'))], async (fm) => {
    clearErrors(fm);
    const csv = file.files[0];
    if (!csv) return showErrors(fm, [{ control: file, text: t('needFile') }]);
    if (csv.size > 16 * 1024 * 1024) return showErrors(fm, [{ control: file, text: t('tooBig') }]);
    let pv;
    try { pv = await api('POST', `/api/v1/imports/preview?${qs()}`, await csv.slice(0, 65536).text(), 'text/csv'); } catch (e) { return showApiError(fm, e); }
    const cols = pv.columns || [];
    const nrows = pv.rows || [];
    out.replaceChildren(h('h2', null, t('preview')),
      table(t('column'), [t('column'), t('field')], cols.map((c) => [c.header, c.field ? catName(regSel.value, c.field) : h('span', { class: 'status amber' }, t('notImported'))])),
      table(t('firstRows'), cols.map((c) => c.header), nrows.map((r) => cols.map((_, i) => r[i] ?? ''))),
      (pv.errors || []).length ? h('div', { class: 'notice warn' }, h('h3', null, t('previewFindings')), h('ul', null, pv.errors.map((e) => h('li', null, plain(e))))) : null,
      h('button', { type: 'button', onclick: (ev) => startImport(ev.target, csv, qs(), out) }, t('startImport')));
    out.querySelector('h2').focus?.();
  });
  v.append(f, out);
}

async function startImport(button, csv, qs, out) {
  button.disabled = true;
  let job;
  try { job = await api('POST', `/api/v1/imports?${qs}`, await csv.text(), 'text/csv'); } catch (e) { button.disabled = false; out.append(problem(e) || ''); return; }
  const bar = h('progress', { max: '1', value: '0', 'aria-label': t('importing') });
  const label = h('p', { role: 'status' }, t('importing'));
  out.replaceChildren(h('h2', null, t('importing')), bar, label);
  for (;;) {
    let st;
    try { st = await api('GET', `/api/v1/imports/${encodeURIComponent(job.id)}`); } catch (e) { out.append(problem(e) || ''); return; }
    bar.max = Math.max(1, st.rows_total || 0);
    bar.value = st.rows_done || 0;
    label.textContent = t('rowsDone', fmtNum(st.rows_done || 0), fmtNum(st.rows_total || 0));
    if (st.state !== 'running') {
      out.replaceChildren(h('h2', { tabindex: '-1' }, st.state === 'done' ? t('importDone') : t('importFailed')), bar,
        summaryList([[t('rowsTotal'), fmtNum(st.rows_total || 0)], [t('imported'), fmtNum(st.imported || 0)],
          [t('rejected'), fmtNum(st.rejected || 0)], [t('suppressedN'), fmtNum(st.suppressed || 0)]]),
        st.rejected ? h('p', null, h('a', { href: `/api/v1/imports/${encodeURIComponent(job.id)}/rejects.csv`, download: 'rejects.csv' }, t('rejects'))) : null);
      out.querySelector('h2').focus();
      return;
    }
    await new Promise((r) => setTimeout(r, 400));
  }
}

// ---- 6. Audience -----------------------------------------------------------------------------

async function audiencePage(parts, q) {
  const v = begin(t('audienceTitle'));
  const ps = (me.purposes || []).filter((p) => p.basis === 'consent');
  const sel = select('purpose', (ps.length ? ps : me.purposes || []).map((p) => [p.id, name(p.name)]), q.get('purpose') || '');
  v.append(form({}, [field(t('purpose'), sel), h('button', { type: 'submit' }, t('show'))], () => go(`#/audience?purpose=${encodeURIComponent(sel.value)}`)));
  const purpose = q.get('purpose');
  if (!purpose) return;
  const wait = loading(v);
  const a = await api('GET', `/api/v1/audience/summary?purpose=${encodeURIComponent(purpose)}`);
  wait.remove();
  const x = a.excluded || {};
  const reasons = [['no_consent', 'xNoConsent'], ['expired', 'xExpired'], ['withdrawn', 'xWithdrawn'], ['restricted', 'xRestricted'], ['objected', 'xObjected'], ['suppressed', 'xSuppressed']];
  v.append(h('h2', null, purposeName(purpose)), summaryList([[t('reachable'), h('strong', null, fmtNum(a.count ?? 0))]]),
    table(t('excluded'), [t('reason'), t('persons')], reasons.map(([k, l]) => [t(l), fmtNum(x[k] ?? 0)]), [1]),
    h('p', null, h('a', { class: 'button', href: `/api/v1/audience?purpose=${encodeURIComponent(purpose)}&format=csv`, download: `audience-${purpose}.csv` }, t('downloadCsv'))));
}

// ---- 7. Requests -----------------------------------------------------------------------------

const docsById = new Map(); // the documents a completion returned, kept for the request's page

async function requestsPage(parts, q) {
  if (parts[0]) return requestPage(parts[0]);
  const v = begin(t('requests'));
  const status = select('status', [['', t('anyStatus')], ...REQUEST_STATUSES.map((x) => [x, word(x)])], q.get('status') || '');
  const overdue = h('input', { type: 'checkbox', name: 'overdue', value: 'true', id: nextId('f'), checked: q.get('overdue') === 'true' });
  v.append(form({ class: 'filters' }, [field(t('status'), status),
    h('div', { class: 'field' }, h('label', { class: 'check', for: overdue.id }, overdue, t('onlyOverdue'))),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, t('show')))], () => {
    const p = new URLSearchParams();
    if (status.value) p.set('status', status.value);
    if (overdue.checked) p.set('overdue', 'true');
    go(`#/requests?${p}`);
  }));
  const params = new URLSearchParams([...q].filter(([k]) => ['status', 'overdue'].includes(k)));
  const wait = loading(v);
  const res = await api('GET', `/api/v1/requests?${params}`);
  wait.remove();
  const list = [...(res.requests || [])].sort((a, b) => (b.overdue - a.overdue) || String(a.extended_due || a.due).localeCompare(String(b.extended_due || b.due)));
  const closed = (r) => ['completed', 'rejected'].includes(r.status);
  v.append(list.length ? table(t('requests'), [t('type'), t('status'), t('received'), t('due'), t('daysLeftCol')], list.map((r) => [
    h('a', { href: `#/requests/${encodeURIComponent(r.id)}` }, `${word(r.type)} · ${r.contact?.name || r.contact?.email || r.id}`),
    word(r.status), fmtDate(r.received_on || r.received_at), fmtDate(r.extended_due || r.due),
    closed(r) ? '' : dueStatus(daysUntil(r.extended_due || r.due), r.overdue)])) : h('p', null, t('noRequests')));
  // Recording one that came by post, email or in person.
  const type = select('type', REQUEST_TYPES.map((x) => [x, word(x)]), 'access');
  const email = input('email', 'email'), nm = input('name'), received = input('received', 'date');
  const channel = select('channel', ['email', 'post', 'in_person', 'web'].map((x) => [x, word(x)]), 'email');
  v.append(h('h2', null, t('newRequest')), form({}, [field(t('type'), type), field(t('email'), email), field(t('name'), nm), field(t('channel'), channel),
    field(t('received'), received), h('button', { type: 'submit' }, t('record'))], async (fm) => {
    if (!email.value.trim()) return showErrors(fm, [{ control: email, text: t('needContact') }]);
    const body = { type: type.value, email: email.value.trim(), channel: channel.value, lang };
    if (nm.value.trim()) body.name = nm.value.trim();
    if (received.value) body.received = received.value;
    try {
      const r = await api('POST', '/api/v1/requests', body);
      go(`#/requests/${encodeURIComponent(r.id)}`);
    } catch (e) { showApiError(fm, e, { email, name: nm, received, type }); }
  }));
}

async function requestPage(id) {
  const v = begin(t('requests'));
  const wait = loading(v);
  const r = await api('GET', `/api/v1/requests/${encodeURIComponent(id)}`);
  wait.remove();
  const title = `${word(r.type)} · ${word(r.status)}`;
  v.querySelector('h1').textContent = title;
  document.title = `${title} – rekisteri`;
  const due = r.extended_due || r.due;
  const closed = ['completed', 'rejected'].includes(r.status);
  const out = h('div', { 'aria-live': 'polite' });
  v.append(out, summaryList([
    [t('type'), word(r.type)], [t('status'), h('span', { class: 'tag' }, word(r.status))],
    [t('received'), fmtWhen(r.received_at || r.received_on)], [t('due'), [fmtDate(due), ' ', closed ? '' : dueStatus(daysUntil(due), r.overdue)]],
    [t('channel'), word(r.channel)], [t('contact'), [r.contact?.name, r.contact?.email, r.contact?.phone].filter(Boolean).join(', ')],
    [t('person'), r.person_id ? h('a', { href: `#/people/${encodeURIComponent(r.person_id)}` }, r.person_id) : ''],
    [t('verification'), r.verification ? `${word(r.verification.method)}${r.verification.document ? `, ${word(r.verification.document)}` : ''}` : ''],
    [t('extension'), r.extension_months ? `${r.extension_months} × ${t('months').toLowerCase()}: ${r.extension_reason || ''}` : ''],
    [t('rejectReason'), r.rejection_reason || ''], ['', r.text || ''],
  ]));
  const tl = [[r.received_at || r.received_on, t('tlReceived')], [r.verification?.at, t('tlVerified')], [r.extended_at, t('tlExtended')], [r.closed_at, `${t('tlClosed')}: ${word(r.status)}`]]
    .filter(([at]) => at).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  v.append(h('h2', null, t('timeline')), h('ol', { class: 'timeline' }, tl.map(([at, what]) => h('li', null, h('strong', null, fmtWhen(at)), h('br'), what))));
  const docs = r.documents || docsById.get(id);
  if (docs) {
    v.append(h('h2', null, t('documents')));
    for (const [k, d] of Object.entries(Array.isArray(docs) ? Object.fromEntries(docs.map((x, i) => [x.name || `document-${i + 1}`, x])) : docs)) {
      const text = typeof d === 'string' ? d : JSON.stringify(d, null, 2);
      const url = URL.createObjectURL(new Blob([text], { type: typeof d === 'string' ? 'text/plain' : 'application/json' }));
      v.append(h('details', null, h('summary', null, k), h('pre', { class: 'table-wrap', tabindex: '0' }, text.slice(0, 20000))),
        h('p', null, h('a', { href: url, download: /\.\w+$/.test(k) ? `${r.id}-${k}` : `${r.id}-${k}${typeof d === 'string' ? '.txt' : '.json'}` }, `${t('download')}: ${k}`)));
    }
  }
  if (closed) return;
  const step = async (fm, path, body, controls) => {
    try {
      const res = await api('POST', `/api/v1/requests/${encodeURIComponent(id)}/${path}`, body);
      if (res?.documents) docsById.set(id, res.documents);
      await requestPage(id);
      view.querySelector('[aria-live]')?.replaceChildren(confirmation(t('done'), t('requestSaved')));
      view.querySelector('.confirmation')?.focus();
    } catch (e) { showApiError(fm, e, controls); }
  };
  v.append(h('h2', null, t('actions')));
  if (r.status === 'received') {
    const method = select('method', [['in_person', word('in_person')], ['email_code', word('email_code')]], 'in_person');
    const doc = select('document', ['passport', 'id_card', 'driving_licence', 'other'].map((x) => [x, word(x)]), 'id_card');
    v.append(form({}, [h('h3', null, t('verify')), field(t('method'), method), field(t('document'), doc), h('button', { type: 'submit' }, t('verify'))],
      (fm) => step(fm, 'verify', method.value === 'in_person' ? { method: method.value, document: doc.value } : { method: method.value }, { method, document: doc })));
  } else {
    const note = h('textarea', { name: 'note' });
    v.append(form({}, [h('h3', null, t('complete')), field(t('note'), note), h('button', { type: 'submit' }, t('complete'))],
      (fm) => step(fm, 'complete', note.value.trim() ? { note: note.value.trim() } : {}, { note })));
  }
  const months = select('months', [['1', '1'], ['2', '2']], '1');
  const reason = h('textarea', { name: 'reason' });
  v.append(h('details', null, h('summary', null, t('extend')), form({}, [field(t('months'), months), field(t('extendReason'), reason), h('button', { type: 'submit', class: 'secondary' }, t('extend'))], (fm) => {
    if (!reason.value.trim()) return showErrors(fm, [{ control: reason, text: t('needReason') }]);
    return step(fm, 'extend', { months: Number(months.value), reason: reason.value.trim() }, { months, reason });
  })));
  const rreason = h('textarea', { name: 'reason' });
  const rejectForm = form({}, [h('p', { class: 'warning-text' }, t('rejectWarn')), field(t('rejectReason'), rreason), h('button', { type: 'submit', class: 'warning' }, t('confirmReject'))], (fm) => {
    if (!rreason.value.trim()) return showErrors(fm, [{ control: rreason, text: t('needReason') }]);
    return step(fm, 'reject', { reason: rreason.value.trim() }, { reason: rreason });
  });
  v.append(h('details', null, h('summary', null, t('reject')), rejectForm));
}

// ---- 8. Recipients and mail ----------------------------------------------------------------

// The state of a client recipient's connector, in words and colour.
function connectorState(x, now = Date.now()) {
  if (!x.configured) {
    const v = (x.not_configured || '').match(/\b[A-Z][A-Z0-9_]{2,}\b/)?.[0];
    const text = v && !/is not set/.test(x.not_configured) ? t('badCredential', v) : t('notConfigured', v);
    return h('span', { class: 'status red' }, text);
  }
  const y = x.sync;
  if (!y || !y.last_pass_at) return h('span', { class: 'status amber' }, t('notYet'));
  const next = toDate(y.next_at);
  if (next && next > now) return h('span', { class: 'status amber' }, t('waitingUntil', fmtWhen(y.next_at)));
  if (y.complete_at && y.complete_at === y.last_pass_at)
    return y.failed ? h('span', { class: 'status amber' }, t('inStepRefused', y.failed)) : h('span', { class: 'status green' }, t('inStep'));
  return h('span', { class: 'status amber' }, t('incomplete'));
}

const CONNECTOR_NAMES = { mailchimp: 'Mailchimp', salesforce: 'Salesforce' };

// "Sync now": asks the server, then reads the state again until the pass has run (at most
// 30 s; the pass goes on in the background after that).
async function syncNow(x, button, out, redraw) {
  button.disabled = true;
  const before = x.sync?.last_pass_at || null;
  const cell = button.closest('.connector')?.querySelector('[data-state]');
  if (cell) cell.replaceChildren(h('span', { class: 'status' }, t('syncing')));
  try {
    await api('POST', `/api/v1/recipients/${encodeURIComponent(x.id)}/sync`, {});
  } catch (e) {
    button.disabled = false;
    out.replaceChildren(problem(e) || '');
    await redraw();
    return;
  }
  out.replaceChildren(confirmation(t('syncStarted'), t('syncing')));
  for (let i = 0; i < 30; i++) {
    await new Promise((res) => setTimeout(res, 1000));
    const res = await api('GET', '/api/v1/recipients').catch(() => null);
    const now = res?.recipients?.find((r) => r.id === x.id);
    if (now?.sync?.last_pass_at && now.sync.last_pass_at !== before) {
      await redraw(res);
      out.replaceChildren(confirmation(t('syncFinished'), t('syncResult', x.name)));
      return;
    }
  }
  await redraw();
  out.replaceChildren(confirmation(t('syncStarted'), t('syncSlow', x.name)));
}

// The first section of the recipients page: each client recipient's connector as a summary
// list with "Sync now", and the persons it refused. res: an answer already read (else it is
// read now).
async function connectorsSection(sec, out, res) {
  const redraw = (again) => connectorsSection(sec, out, again);
  try {
    res ||= await api('GET', '/api/v1/recipients');
  } catch (e) {
    sec.replaceChildren(problem(e) || '');
    return;
  }
  const list = res?.recipients || [];
  if (!list.length) { sec.replaceChildren(h('p', null, t('noConnectors'))); return; }
  const kids = [h('p', null, t('connectorsIntro'))];
  for (const x of list) {
    const y = x.sync;
    const next = !y?.next_at ? null : toDate(y.next_at) > Date.now() ? fmtWhen(y.next_at) : t('anyTime');
    const dl = summaryList([[t('connector'), CONNECTOR_NAMES[x.connector] || x.connector], [t('state'), connectorState(x)],
      [t('lastPass'), y?.last_pass_at ? fmtWhen(y.last_pass_at) : t('never')],
      [t('lastComplete'), y?.complete_at ? fmtWhen(y.complete_at) : t('never')], [t('nextAttempt'), next],
      [t('lastPassCounts'), y ? t('passCounts', fmtNum(y.added), fmtNum(y.changed), fmtNum(y.removed), fmtNum(y.failed)) : null],
      [t('lastError'), y?.last_error || null]]);
    dl.querySelectorAll('dd')[1].setAttribute('data-state', ''); // "Syncing …" while a pass runs
    const action = x.configured
      ? h('p', null, h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('syncNow')}: ${x.name}`, onclick: (ev) => syncNow(x, ev.currentTarget, out, redraw) }, t('syncNow')))
      : h('p', { class: 'hint' }, t('configureHint'));
    const box = h('div', { class: 'connector' }, h('h3', null, x.name), dl, action);
    if (x.refused?.length) {
      box.append(h('h4', null, t('refusedBy', x.name)),
        table(t('refusedBy', x.name), [t('person'), t('when'), t('error')], x.refused.map((f) =>
          [h('a', { href: `#/people/${encodeURIComponent(f.person)}` }, f.person), fmtWhen(f.at), f.error])));
      if (x.refused_more) box.append(h('p', { class: 'hint' }, t('refusedMore')));
    }
    kids.push(box);
  }
  if (!list.some((x) => x.refused?.length)) kids.push(h('p', null, t('noneRefused')));
  sec.replaceChildren(...kids);
}

async function recipientsPage() {
  const v = begin(t('recipients'));
  const out = h('div', { 'aria-live': 'polite' });
  v.append(out);
  const connectors = h('section');
  v.append(h('h2', null, t('connectors')), connectors);
  await connectorsSection(connectors, out);
  for (const [path, label] of [['/api/v1/outbox', 'failedMessages'], ['/api/v1/notices', 'failedRecipientNotices']]) {
    v.append(h('h2', null, t(label)));
    const sec = h('section');
    v.append(sec);
    try {
      const res = await api('GET', `${path}?state=failed`);
      const rows = Array.isArray(res) ? res : Object.values(res || {}).find(Array.isArray) || [];
      if (!rows.length) { sec.append(h('p', null, t('nothingFailed'))); continue; }
      const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'id').slice(0, 6);
      sec.append(table(t(label), [...keys.map((k) => k.replace(/_/g, ' ')), t('actions')], rows.map((r) => [...keys.map((k) => plain(r[k])),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('retry')} ${r.id}`, onclick: async (ev) => {
          ev.target.disabled = true;
          try { await api('POST', `${path}/${encodeURIComponent(r.id)}/retry`, {}); out.replaceChildren(confirmation(t('done'), t('retried'))); ev.target.closest('tr').remove(); } catch (e) { ev.target.disabled = false; out.replaceChildren(problem(e) || ''); }
        } }, t('retry'))])));
    } catch (e) { sec.append(problem(e) || ''); }
  }
}

// ---- 9. Declaration ------------------------------------------------------------------------

// The notice's HTML, parsed inertly and stripped of anything that could run or load.
function inertNotice(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const el of doc.querySelectorAll('script, style, link, meta, iframe, object, embed, form, base')) el.remove();
  for (const el of doc.body.querySelectorAll('*')) for (const a of [...el.attributes]) if (/^on|^style$/i.test(a.name) || /^\s*javascript:/i.test(a.value)) el.removeAttribute(a.name);
  // The notice's own h1 becomes an h2 under the page's h1.
  for (const hx of doc.body.querySelectorAll('h1, h2, h3, h4, h5')) {
    const n = Math.min(6, Number(hx.tagName[1]) + 1);
    const nh = doc.createElement(`h${n}`);
    nh.append(...hx.childNodes);
    hx.replaceWith(nh);
  }
  return [...doc.body.childNodes].map((n) => document.importNode(n, true));
}

async function declarationPage(parts, q) {
  const v = begin(t('declaration'));
  const nl = q.get('lang') === 'en' || q.get('lang') === 'fi' ? q.get('lang') : lang;
  v.append(h('h2', null, t('notice')), h('p', null, h('a', { href: '#/declaration?lang=fi', 'aria-current': nl === 'fi' ? 'true' : null, lang: 'fi' }, 'Suomeksi'), ' · ',
    h('a', { href: '#/declaration?lang=en', 'aria-current': nl === 'en' ? 'true' : null, lang: 'en' }, 'In English')));
  const noticeBox = h('section', { class: 'notice-doc', lang: nl, tabindex: '0', 'aria-label': t('notice') });
  v.append(noticeBox);
  try { noticeBox.append(...inertNotice(await api('GET', `/api/v1/declaration/notice?lang=${nl}`))); } catch (e) { noticeBox.append(problem(e) || ''); }
  v.append(h('h2', null, t('recordOfProcessing')), h('ul', { class: 'links' }, [['csv', 'CSV'], ['json', 'JSON'], ['md', 'Markdown'], ['dpv', 'DPV JSON-LD']].map(([f, l]) =>
    h('li', null, h('a', { href: `/api/v1/declaration/record?format=${f}&lang=${lang}`, download: true }, `${t('download')} ${l}`)))));
  // The text for the first message to people whose data came from elsewhere (art 14(3), 21(4)).
  v.append(h('h2', null, t('firstContact')));
  try {
    const text = await api('GET', `/api/v1/declaration/first-contact?lang=${nl}`);
    v.append(h('p', null, t('firstContactHelp')),
      h('pre', { class: 'first-contact', lang: nl, tabindex: '0', 'aria-label': t('firstContact') }, text));
  } catch (e) { v.append(e instanceof ApiError && e.status === 404 ? h('p', null, t('firstContactNone')) : (problem(e) || '')); }
  v.append(h('h2', null, t('lint')));
  try {
    const res = await api('GET', '/api/v1/declaration/lint');
    const fs = [...(res.findings || [])].sort((a, b) => (a.severity === 'error' ? 0 : 1) - (b.severity === 'error' ? 0 : 1));
    v.append(fs.length ? table(t('lint'), [t('severity'), t('rule'), t('message'), t('place')], fs.map((f) => [
      h('span', { class: `status ${f.severity === 'error' ? 'red' : 'amber'}` }, word(f.severity)), f.rule, f.message, f.line ? `${f.line}:${f.column || 1}` : ''])) : h('p', null, t('noFindings')));
  } catch (e) { v.append(problem(e) || ''); }
}

// ---- 10. Staff ---------------------------------------------------------------------------------

async function staffPage() {
  const v = begin(t('staff'));
  const out = h('div', { 'aria-live': 'polite', tabindex: '-1' });
  v.append(out);
  const say = (node) => { out.replaceChildren(node); out.focus(); };
  let accounts = [];
  v.append(h('h2', null, t('accounts')));
  try {
    const res = await api('GET', '/api/v1/staff');
    accounts = res.accounts || res.staff || (Array.isArray(res) ? res : []);
  } catch (e) { v.append(problem(e) || ''); }
  // The declared roles (GET /api/v1/me lists them for a role that may assign them).
  const roles = (me.roles || []).map((r) => r.id);
  const roleName = (id) => name((me.roles || []).find((r) => r.id === id)?.name) || id;
  const act = async (path, body, done) => {
    try {
      const res = await api('POST', path, body);
      await staffPage();
      view.querySelector('[aria-live]').replaceChildren(confirmation(t('done'), done, []), res?.setup_url ? summaryList([[t('setupUrl'), h('code', null, res.setup_url)]]) : '');
      view.querySelector('[aria-live]').focus();
    } catch (e) { say(problem(e) || ''); }
  };
  if (accounts.length) v.append(table(t('accounts'), [t('name'), t('email'), t('role'), t('state'), t('lastSignin'), t('actions')], accounts.map((a) => {
    const rid = typeof a.role === 'object' ? a.role?.id : a.role;
    const base = `/api/v1/staff/${encodeURIComponent(a.id)}`;
    const roleSel = select('role', roles.map((r) => [r, roleName(r)]), rid, { 'aria-label': `${t('changeRole')}: ${a.name || a.email}` });
    const signins = h('div');
    return [a.name || '', a.email || '', rid ? roleName(rid) : '', h('span', { class: `status ${a.state === 'disabled' ? 'red' : a.state === 'invited' ? 'amber' : 'green'}` }, word(a.state || 'active')), fmtWhen(a.last_signin),
      h('div', null,
        h('button', { type: 'button', class: 'link', onclick: () => act(`${base}/${a.state === 'disabled' ? 'enable' : 'disable'}`, {}, a.state === 'disabled' ? t('enable') : t('disable')) },
          a.state === 'disabled' ? t('enable') : t('disable'), h('span', { class: 'vh' }, `: ${a.name || a.email}`)), ' ',
        h('button', { type: 'button', class: 'link', onclick: () => act(`${base}/reset`, {}, t('reset')) }, t('reset'), h('span', { class: 'vh' }, `: ${a.name || a.email}`)), ' ',
        h('details', null, h('summary', null, `${t('changeRole')}: ${a.name || a.email}`), roleSel,
          h('button', { type: 'button', class: 'secondary', onclick: () => act(`${base}/role`, { role: roleSel.value }, t('changeRole')) }, t('save'))),
        h('details', { ontoggle: async (ev) => {
          if (!ev.target.open || signins.childElementCount) return;
          try { const s2 = await api('GET', `${base}/signins`); const list = s2.signins || (Array.isArray(s2) ? s2 : []);
            signins.append(table(t('signins'), [t('when'), t('result'), t('reason')], list.map((x) => [fmtWhen(x.at), x.ok ? t('signinOk') : h('span', { class: 'status red' }, t('signinFail')), plain(x.reason)])));
          } catch (e) { signins.append(problem(e) || ''); }
        } }, h('summary', null, `${t('signins')}: ${a.name || a.email}`), signins))];
  })));
  const email = input('email', 'email', { autocomplete: 'off' }), nm = input('name', 'text', { autocomplete: 'off' });
  const roleSel = roles.length ? select('role', roles.map((r) => [r, roleName(r)]), roles[0]) : input('role');
  v.append(h('h2', null, t('addAccount')), form({}, [field(t('email'), email), field(t('name'), nm), field(t('role'), roleSel), h('button', { type: 'submit' }, t('addAccount'))], async (fm) => {
    const errs = [];
    if (!email.value.trim()) errs.push({ control: email, text: t('needEmail') });
    if (!nm.value.trim()) errs.push({ control: nm, text: t('needName') });
    if (errs.length) return showErrors(fm, errs);
    try {
      const res = await api('POST', '/api/v1/staff', { email: email.value.trim(), name: nm.value.trim(), role: roleSel.value });
      await staffPage();
      view.querySelector('[aria-live]').replaceChildren(confirmation(t('accountAdded'), null), summaryList([[t('setupUrl'), h('code', null, res.setup_url || '')]]));
      view.querySelector('[aria-live]').focus();
    } catch (e) { showApiError(fm, e, { email, name: nm, role: roleSel }); }
  }));
  v.append(h('h2', null, t('tokens')));
  try {
    const res = await api('GET', '/api/v1/tokens');
    const toks = res.tokens || (Array.isArray(res) ? res : []);
    v.append(table(t('tokens'), [t('name'), t('role'), t('created'), t('state'), t('actions')], toks.map((k) => {
      const confirmBox = h('div', { hidden: true }, h('p', { class: 'warning-text' }, t('revokeWarn', k.name)),
        h('button', { type: 'button', class: 'warning', onclick: () => act(`/api/v1/tokens/${encodeURIComponent(k.name)}/revoke`, {}, t('revoked')) }, t('confirmRevoke')),
        h('button', { type: 'button', class: 'secondary', onclick: (ev) => { confirmBox.hidden = true; ev.target.closest('td').querySelector('button').focus(); } }, t('cancel')));
      return [k.name, typeof k.role === 'object' ? k.role?.id : k.role, fmtWhen(k.created), k.revoked ? h('span', { class: 'status red' }, t('revoked')) : h('span', { class: 'status green' }, t('active')),
        k.revoked ? '' : h('div', null, h('button', { type: 'button', class: 'secondary', onclick: () => { confirmBox.hidden = false; confirmBox.querySelector('button').focus(); } }, `${t('revoke')}`, h('span', { class: 'vh' }, `: ${k.name}`)), confirmBox)];
    })));
  } catch (e) { v.append(problem(e) || ''); }
}

// ---- Start --------------------------------------------------------------------------------------

async function start() {
  document.documentElement.lang = lang;
  try {
    me = await api('GET', '/api/v1/me');
  } catch (e) {
    if (e?.status === 401) return;
    begin('rekisteri').append(problem(e));
    return;
  }
  window.addEventListener('hashchange', route);
  // A link to the page already shown ("Add another" after adding) draws it afresh.
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest?.('a[href^="#/"]');
    if (a && a.getAttribute('href') === location.hash && !ev.defaultPrevented) { ev.preventDefault(); route(); }
  });
  if (!location.hash) history.replaceState(null, '', '#/overview');
  await route();
}
start();
