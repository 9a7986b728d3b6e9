// console.mjs — issue 12's staff console in a real browser. Debian's Chromium
// (/usr/bin/chromium) driven by playwright-core; axe-core checks every page against
// WCAG 2.2 A/AA (tags wcag2a wcag2aa wcag21a wcag21aa wcag22aa); every page is
// screenshotted at 390 and 1280 px into $RK_BUILD_DIR/e2e-shots/ (default build/).
//
// The test starts everything itself on 127.0.0.1: `rekisteri init`, three staff
// accounts (the example's roles marketing, sales and dpo) made with `rekisteri staff
// add --password-file`, `rekisteri serve`, and the browser; it stops them all in
// `finally`. Then, as people would:
//  - each role signs in at /console/login, sees exactly the menu its caps grant, and
//    is refused a page (and its API route, 403) that it is not granted;
//  - the dpo walks every page (Finnish) and sales its pages (English), axe on each;
//  - flows: add a person with consent and find them in the audience; accent-free
//    search finds the accented name; import a CSV, see the progress and the rejects
//    file; an access request from receipt to completed document; the erasure preview,
//    then erasure, after which the person is gone and suppressed;
//  - a cross-site POST with the cookie but no CSRF token is refused (403), so is a
//    foreign Origin; repeated wrong passwords are throttled; sign-out ends the session;
//    a session past its absolute lifetime (a second server on the same database with
//    REKISTERI_NOW 13 hours on) sends the browser back to the sign-in page;
//  - the recipients page's connectors (issue 15), on a server whose Mailchimp connector
//    calls the fake Mailchimp (tests/tools/fake_mailchimp.c) and whose Salesforce one is
//    not configured: the states, a person Mailchimp refused linking to their page, "Sync
//    now" reached and pressed by keyboard alone, in Finnish and English, axe on each.
// Every step runs even when an earlier one failed (each flow's own first step aside),
// so one run shows all that is wrong; the test fails if any step did.
//
// Environment (CTest sets the first three): REKISTERI, RK_SOURCE_DIR, FAKE_MAILCHIMP
// (default RK_BUILD_DIR/fake_mailchimp); RK_BUILD_DIR
// (where e2e-shots/ goes; default RK_SOURCE_DIR/build), CHROMIUM (default
// /usr/bin/chromium). Run alone: node tests/e2e/console.mjs  (after a build in build/)
import {
  CHROMIUM, SRC, axeViolations, cli, configure, fail, launchChromium, log, preflight, reportCspViolations, run,
  runTest, securityHeaderProblems, startServe, step, until,
} from './harness.mjs';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BUILD = process.env.RK_BUILD_DIR || path.join(SRC, 'build');
const SHOTS = path.join(BUILD, 'e2e-shots');
const README_SHOTS = ['dpo-fi-overview-later-1280', 'dpo-fi-person-1280', 'dpo-fi-erase-preview-390'];
const STEP_TIMEOUT_MS = 15_000;
const PASSWORD = 'kettu-juoksee-metsässä-42';
// Every step runs even when an earlier one failed (keepGoing), unless it is fatal.
configure({
  name: 'browser_console', rekisteri: process.env.REKISTERI || path.join(BUILD, 'rekisteri'),
  globalTimeoutMs: 240_000, stepTimeoutMs: STEP_TIMEOUT_MS, pollMs: 100, keepGoing: true,
});

// What each of the example's roles may do (core/view.h over examples/smartum): the menu.
const MENUS = {
  marketing: ['overview', 'people', 'add', 'import', 'audience', 'declaration'],
  sales: ['overview', 'people', 'add', 'import', 'audience', 'declaration'],
  dpo: ['overview', 'people', 'add', 'import', 'audience', 'requests', 'recipients', 'declaration', 'staff'],
};

// ---- The tools under test ------------------------------------------------------------------

async function startServer(extraEnv = {}) {
  return (await startServe(['--public-rate', '0'], { extraEnv })).url;
}

// ---- The browser ---------------------------------------------------------------------------

// A tab that records what a person would not see but a test must: page errors, CSP
// violations, console errors (but the network's own "Failed to load resource" lines:
// a 403 or 422 the test provokes is checked where it is provoked), server errors, and
// answers without the security headers.
async function openTab(context, base) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !/Failed to load resource/.test(m.text()))
      problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (!r.url().startsWith(base)) return;
    problems.push(...securityHeaderProblems(r));
    if (r.status() >= 500) problems.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  await reportCspViolations(page, problems);
  return { page, problems, base };
}

// Waits for a console page to be drawn: #main[data-state=ready] and one h1.
async function ready(page) {
  await page.locator('#main[data-state="ready"]').waitFor();
  await page.locator('#main h1').first().waitFor();
}

// axe-core over the page (evaluated through the DevTools protocol, which the page's CSP
// does not govern), a language, a title, exactly one h1, no problem reported, no error
// box left on the page; then screenshots at 1280 and 390 px.
async function checkPage(tab, shot) {
  const { page, problems } = tab;
  const found = await axeViolations(page);
  if (!(await page.locator('html').getAttribute('lang'))) found.push('<html> has no lang');
  if (!(await page.title()).trim()) found.push('no <title>');
  const h1 = await page.locator('h1').count();
  if (h1 !== 1) found.push(`${h1} h1 elements, not one`);
  const bad = page.locator('#main .notice.bad, #main .error-summary');
  if (await bad.count()) found.push(`an error shown on the page: ${(await bad.first().innerText()).slice(0, 300)}`);
  if (shot) {
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      if (scroll) found.push(`horizontal scroll at ${width} px`);
      await page.screenshot({ path: path.join(SHOTS, `${shot}-${width}.png`), fullPage: true });
      // The README's pictures (docs/img/): the first screenful only, to keep them small.
      if (README_SHOTS.includes(`${shot}-${width}`)) {
        fs.mkdirSync(path.join(SHOTS, 'readme'), { recursive: true });
        await page.screenshot({ path: path.join(SHOTS, 'readme', `console-${shot}-${width}.png`) });
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }
  found.push(...problems.splice(0));
  if (found.length) fail(`\n  ${found.join('\n  ')}`);
}

async function open(tab, hash, shot) {
  await tab.page.goto(`${tab.base}/console/${hash}`);
  await ready(tab.page);
  await checkPage(tab, shot);
}

// Signs in through the server-rendered form (fields named email and password).
async function signIn(tab, who, password = PASSWORD) {
  const { page, base } = tab;
  await page.goto(`${base}/console/`);
  await page.waitForURL(/\/console\/login/);
  await page.locator('input[name="email"]').fill(who.email);
  await page.locator('input[name="password"]').fill(password);
  await Promise.all([page.waitForLoadState('load'), page.locator('form button[type="submit"], form input[type="submit"]').first().click()]);
}

async function signInToConsole(tab, who) {
  await signIn(tab, who);
  if (!/\/console\/(#.*)?$/.test(tab.page.url())) await tab.page.goto(`${tab.base}/console/#/overview`);
  await ready(tab.page);
}

async function menuOf(page) {
  return page.locator('#menu a').evaluateAll((as) => as.map((a) => a.getAttribute('href').replace(/^#\//, '')));
}

// A request from the signed-in browser that is not the console's own: the cookie, and
// headers as given. Made from the page, so the browser sends what it would (cookies,
// Origin, Sec-Fetch-Site) for a script on that page.
async function fetchFromPage(page, method, url, headers, body) {
  return page.evaluate(async ([m, u, hd, b]) => {
    const r = await fetch(u, { method: m, headers: hd, body: b, credentials: 'include' });
    let code = '';
    try { code = (await r.json()).error?.code || ''; } catch { /* not JSON */ }
    return { status: r.status, code };
  }, [method, url, headers, body]);
}

// ---- The run -------------------------------------------------------------------------------

const ACCOUNTS = {
  marketing: { email: 'markku.markkinointi@example.test', name: 'Markku Markkinointi', role: 'marketing' },
  sales: { email: 'sanna.myynti@example.test', name: 'Sanna Myynti', role: 'sales' },
  dpo: { email: 'tiina.tietosuoja@example.test', name: 'Tiina Tietosuoja', role: 'dpo' },
};

async function roleMenus(base) {
  for (const [role, who] of Object.entries(ACCOUNTS)) {
    const context = await run.browser.newContext({ locale: role === 'sales' ? 'en-GB' : 'fi-FI', viewport: { width: 1280, height: 800 } });
    try {
      const tab = await openTab(context, base);
      const { page } = tab;
      if (!(await step(`[${role}] sign in at /console/login`, () => signInToConsole(tab, who)))) continue;
      await step(`[${role}] the menu is exactly ${MENUS[role].join(', ')}`, async () => {
        const got = await menuOf(page);
        if (got.join() !== MENUS[role].join()) fail(`menu is ${got.join(', ')}`);
      });
      const denied = MENUS.dpo.filter((k) => !MENUS[role].includes(k));
      if (denied.length) {
        await step(`[${role}] #/${denied.at(-1)} is refused in the console, and GET /api/v1/staff answers 403`, async () => {
          await page.goto(`${base}/console/#/${denied.at(-1)}`);
          await ready(page);
          const h1 = await page.locator('h1').innerText();
          if (!/Ei oikeutta|Not allowed/.test(h1)) fail(`the page says "${h1}"`);
          const r = await fetchFromPage(page, 'GET', '/api/v1/staff', {});
          if (r.status !== 403 || r.code !== 'forbidden') fail(`GET /api/v1/staff: ${r.status} ${r.code}`);
          await checkPage(tab, `${role}-refused`);
        });
      }
      if (role === 'sales') {
        for (const k of MENUS.sales) await step(`[sales, en] #/${k}: axe, screenshots`, () => open(tab, `#/${k}`, `sales-en-${k}`));
      }
      if (role === 'marketing') await throttled(base, who);
    } finally {
      await context.close().catch(() => {});
    }
  }
}

// Six wrong passwords: the right one is then refused for a while (exponential back-off).
async function throttled(base, who) {
  const context = await run.browser.newContext({ locale: 'fi-FI' });
  try {
    const tab = await openTab(context, base);
    await step('[marketing] after six wrong passwords the right one is throttled', async () => {
      for (let i = 0; i < 6; i++) await signIn(tab, who, `väärä-salasana-${i}-xxxx`);
      await signIn(tab, who);
      if (/\/console\/(#.*)?$/.test(tab.page.url())) fail('signed in at once after six failures');
      tab.problems.splice(0);
    });
  } finally {
    await context.close().catch(() => {});
  }
}

async function dpoFlows(base) {
  const context = await run.browser.newContext({ locale: 'fi-FI', viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  try {
    const tab = await openTab(context, base);
    const { page } = tab;
    await step('[dpo] sign in', () => signInToConsole(tab, ACCOUNTS.dpo), { fatal: true });
    for (const k of MENUS.dpo) await step(`[dpo, fi] #/${k}: axe, screenshots`, () => open(tab, `#/${k}`, `dpo-fi-${k}`));
    await step('[dpo, fi] #/declaration: the first message for people from indirect sources, the objection apart', async () => {
      await page.goto(`${base}/console/#/declaration`);
      await ready(page);
      await page.getByRole('heading', { name: 'Ensimmäinen viesti muualta saatujen tietojen henkilöille (art. 14)' }).waitFor();
      const text = await page.locator('pre.first-contact').innerText();
      for (const want of ['kunnan www-sivut', 'Oikeutesi vastustaa', '21 art. 2 ja 3 kohta'])
        if (!text.includes(want)) fail(`the first-contact text lacks "${want}":\n${text.slice(0, 600)}`);
    });

    const person = { name: 'Matti Meikäläinen', email: 'matti.meikalainen@example.test' };
    let personId = null;
    await step('[dpo] add a person with consent (marketing, sales_promotion) by the form', async () => {
      await page.goto(`${base}/console/#/add`);
      await ready(page);
      await page.getByLabel('Rekisteri', { exact: true }).selectOption('marketing');
      await page.getByLabel('Käyttötarkoitus', { exact: true }).selectOption('sales_promotion');
      await page.getByLabel('Mistä tiedot saatiin').selectOption('meeting');
      await page.getByLabel('Sähköpostiosoite').or(page.locator('input[name="email"]')).first().fill(person.email);
      await page.locator('input[name="name"]').fill(person.name);
      await page.getByLabel('Todiste').fill('Messut 2026, lomake allekirjoitettu');
      await page.getByRole('button', { name: 'Lisää henkilö' }).click();
      await page.getByText('Henkilö lisätty').first().waitFor();
      const href = await page.getByRole('link', { name: 'Avaa henkilön tiedot' }).getAttribute('href');
      personId = decodeURIComponent(href.replace('#/people/', ''));
      await checkPage(tab, 'dpo-fi-add-done');
    });

    await step('[dpo] a refusal by the rules is shown beside its field, in Finnish', async () => {
      await page.goto(`${base}/console/#/overview`); // #/add is the page shown: come to it anew
      await ready(page);
      await page.goto(`${base}/console/#/add`);
      await ready(page);
      await page.getByLabel('Rekisteri', { exact: true }).selectOption('customer');
      await page.getByLabel('Käyttötarkoitus', { exact: true }).selectOption('customer_relationship');
      await page.getByLabel('Mistä tiedot saatiin').selectOption('meeting');
      const email = page.locator('input[name="email"]');
      await email.fill('matti(at)example.test');
      await page.locator('input[name="name"]').fill('Väärä Osoite');
      await page.getByRole('button', { name: 'Lisää henkilö' }).click();
      await page.locator('.error-summary').waitFor();
      const want = 'Sähköpostiosoite ei sisällä @-merkkiä.';
      const summary = await page.locator('.error-summary').innerText();
      if (!summary.includes(want)) fail(`the summary says: ${summary}`);
      const described = await email.evaluate((el) => {
        const msg = document.getElementById(`${el.id}-error`);
        return msg && !msg.hidden ? msg.textContent : null;
      });
      if (described !== want) fail(`beside the email field: ${described}`);
      if ((await email.getAttribute('aria-invalid')) !== 'true') fail('the email field is not marked invalid');
      await checkPage(tab, null).catch((e) => { if (!/an error shown on the page/.test(e.message)) throw e; });
    });

    await step('[dpo] the form refuses a missing register with an error summary', async () => {
      await page.goto(`${base}/console/#/overview`);
      await ready(page);
      await page.getByRole('link', { name: 'Lisää henkilö' }).click();
      await page.getByRole('heading', { level: 1, name: 'Lisää henkilö' }).waitFor();
      await page.getByRole('button', { name: 'Lisää henkilö' }).click();
      await page.locator('.error-summary h2', { hasText: 'Tarkista tiedot' }).waitFor();
      if (!(await page.title()).startsWith('Virhe: ')) fail(`title "${await page.title()}"`);
      const focused = await page.evaluate(() => document.activeElement?.className);
      if (focused !== 'error-summary') fail(`focus on "${focused}", not the summary`);
      await page.screenshot({ path: path.join(SHOTS, 'dpo-fi-add-error-1280.png'), fullPage: true });
    });

    await step('[dpo] the audience for sales_promotion counts the new person', async () => {
      await open(tab, '#/audience?purpose=sales_promotion', 'dpo-fi-audience-result');
      const n = Number((await page.locator('dl.summary dd strong').first().innerText()).replace(/\D/g, ''));
      if (!(n >= 1)) fail(`count ${n}`);
    });

    await step('[dpo] accent-free search "meikalainen" finds "Meikäläinen"', async () => {
      await page.goto(`${base}/console/#/people`);
      await ready(page);
      await page.getByRole('searchbox').fill('meikalainen');
      await page.getByRole('button', { name: 'Hae', exact: true }).click();
      await page.getByRole('link', { name: person.name }).waitFor();
      await checkPage(tab, 'dpo-fi-people-results');
    });

    await step('[dpo] the person\'s page shows values with provenance and the consent', async () => {
      if (!personId) fail('no person id from the add step');
      await open(tab, `#/people/${personId}`, 'dpo-fi-person');
      await page.getByRole('heading', { level: 1, name: person.name }).waitFor();
      await page.getByText('Tapaaminen').first().waitFor(); // the source, in words
    });

    await step('[dpo] import a CSV: preview, progress, counts and the rejects file', async () => {
      const csv = path.join(run.tmp, 'import.csv');
      fs.writeFileSync(csv, 'email,name,phone\r\nliisa.lahtinen@example.test,Liisa Lahtinen,+358401234567\r\nnot-an-email,Väärä Rivi,\r\npekka.puro@example.test,Pekka Puro,\r\n');
      await page.goto(`${base}/console/#/import`);
      await ready(page);
      await page.getByLabel('CSV-tiedosto').setInputFiles(csv);
      // The customer register (a contract purpose: no consent evidence needed), so that two
      // rows are imported and the one without an '@' is rejected.
      await page.getByLabel('Rekisteri', { exact: true }).selectOption('customer');
      await page.getByLabel('Käyttötarkoitus', { exact: true }).selectOption('customer_relationship');
      await page.getByRole('button', { name: 'Esikatsele' }).click();
      await page.getByRole('button', { name: 'Aloita tuonti' }).waitFor();
      await checkPage(tab, 'dpo-fi-import-preview');
      await page.getByRole('button', { name: 'Aloita tuonti' }).click();
      await page.getByRole('heading', { name: /Tuonti valmis|Tuonti epäonnistui/ }).waitFor();
      if (!(await page.getByRole('heading', { name: 'Tuonti valmis' }).count())) fail('the import failed');
      const counts = await page.evaluate(() => {
        const out = {};
        for (const k of document.querySelectorAll('#main dt, #main th')) {
          const v = k.nextElementSibling;
          if (v) out[k.textContent.trim()] = v.textContent.trim();
        }
        return out;
      });
      if (counts['Tuotu'] !== '2' || counts['Hylätty'] !== '1')
        fail(`import counts: ${JSON.stringify(counts)} (expected 2 imported, 1 rejected)`);
      const link = page.getByRole('link', { name: 'Lataa hylätyt rivit (CSV)' });
      const href = await link.getAttribute('href');
      const r = await page.request.get(`${base}${href}`);
      const text = await r.text();
      if (r.status() !== 200 || !/\n3,"email",/.test(text) || /\n[24],/.test(text)) fail(`rejects.csv: HTTP ${r.status()}: ${text.slice(0, 200)}`);
      await checkPage(tab, 'dpo-fi-import-done');
    });

    let requestHash = null;
    await step('[dpo] an access request from receipt to a completed document', async () => {
      await page.goto(`${base}/console/#/requests`);
      await ready(page);
      await page.locator('form', { has: page.getByRole('button', { name: 'Kirjaa pyyntö' }) }).locator('input[name="email"]').fill(person.email);
      await page.getByRole('button', { name: 'Kirjaa pyyntö' }).click();
      await page.waitForURL(/#\/requests\/[^/]+$/);
      await ready(page);
      requestHash = new URL(page.url()).hash;
      await checkPage(tab, 'dpo-fi-request-received');
      await page.getByRole('button', { name: 'Vahvista henkilöllisyys' }).click();
      await page.getByRole('button', { name: 'Merkitse valmiiksi' }).waitFor();
      await page.getByRole('button', { name: 'Merkitse valmiiksi' }).click();
      await page.getByRole('heading', { name: 'Asiakirjat' }).waitFor();
      await page.getByRole('heading', { level: 1, name: /Valmis/ }).waitFor();
      await checkPage(tab, 'dpo-fi-request-completed');
    });

    await step('[dpo] the overview counts what was added (maintained counters)', async () => {
      await open(tab, '#/overview', 'dpo-fi-overview-later');
      const rows = await page.evaluate(() => [...document.querySelectorAll('#main tr')].map((tr) => tr.innerText.replace(/\s+/g, ' ').trim()));
      if (!rows.some((r) => /^Asiakasrekisteri 2$/.test(r))) fail(`persons per register: ${JSON.stringify(rows)}`);
      if (!rows.some((r) => /^Markkinointirekisteri 1$/.test(r))) fail(`persons per register: ${JSON.stringify(rows)}`);
    });

    await step('[dpo] erasure: the preview, then erasure; the person is gone and suppressed', async () => {
      if (!personId) fail('no person id from the add step');
      await open(tab, `#/people/${personId}/erase`, 'dpo-fi-erase-preview');
      for (const hd of ['Poistetaan', 'Säilytetään, koska laki vaatii', 'Vastaanottajille ilmoitetaan', 'Estolista'])
        await page.getByRole('heading', { name: hd }).waitFor();
      await page.getByLabel('Kirjoita henkilön nimi tai tunnus vahvistukseksi').fill('ei tämä');
      await page.getByRole('button', { name: 'Poista henkilön tiedot' }).click();
      await page.locator('.error-summary').waitFor();
      await page.getByLabel('Kirjoita henkilön nimi tai tunnus vahvistukseksi').fill(personId);
      await page.getByRole('button', { name: 'Poista henkilön tiedot' }).click();
      await page.getByRole('heading', { level: 1, name: 'Henkilön tiedot on poistettu' }).waitFor();
      await checkPage(tab, 'dpo-fi-erased');
      const r = await page.request.get(`${base}/api/v1/persons/${personId}`);
      if (r.status() !== 404) fail(`GET the erased person: HTTP ${r.status()}`);
      const s = await page.request.get(`${base}/api/v1/suppressions/check?email=${encodeURIComponent(person.email)}`);
      if (!(await s.json()).suppressed) fail('the email is not suppressed');
      await page.goto(`${base}/console/#/people?q=meikalainen`);
      await ready(page);
      if (await page.getByRole('link', { name: person.name }).count()) fail('still found by search');
    });

    await step('[dpo] the switcher turns the console English, and it stays so', async () => {
      await page.goto(`${base}/console/#/overview`);
      await ready(page);
      await page.getByRole('button', { name: 'In English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      if ((await page.locator('html').getAttribute('lang')) !== 'en') fail('<html lang> is not en');
    });
    for (const k of MENUS.dpo) await step(`[dpo, en] #/${k}: axe, screenshots`, () => open(tab, `#/${k}`, `dpo-en-${k}`));
    await step('[dpo] back to Finnish', async () => {
      await page.getByRole('button', { name: 'Suomeksi' }).click();
      await page.getByRole('heading', { level: 1, name: 'Henkilökunta' }).waitFor();
    });

    await step('[dpo] a cross-site POST with the cookie but no CSRF token is refused (403 csrf)', async () => {
      await page.goto(`${base}/console/#/overview`);
      await ready(page);
      const body = JSON.stringify({ email: 'x@example.test', name: 'X', role: 'marketing' });
      const noToken = await fetchFromPage(page, 'POST', '/api/v1/staff', { 'Content-Type': 'application/json' }, body);
      if (noToken.status !== 403 || noToken.code !== 'csrf') fail(`without the token: ${noToken.status} ${noToken.code}`);
      // A foreign site's form post: the cookie (SameSite=Strict keeps it home in a real
      // browser; here sent by hand), the right token, a foreign Origin.
      const csrf = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).csrf);
      const cookies = (await context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
      const foreign = await page.request.post(`${base}/api/v1/staff`, {
        headers: { Cookie: cookies, 'X-CSRF-Token': csrf, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'application/json' },
        data: body,
      });
      if (foreign.status() !== 403) fail(`foreign Origin: HTTP ${foreign.status()}`);
    });

    await step('[dpo] the session past its absolute lifetime sends the browser to the sign-in page', async () => {
      const later = new Date(Date.now() + 13 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      const other = await startServer({ REKISTERI_NOW: later });
      // Cookies are per host, not per port: the browser sends its session cookie there too.
      await page.goto(`${other}/console/#/overview`);
      await page.waitForURL(/\/console\/login/);
    });

    await step('[dpo] sign out: back at the sign-in page, and the console asks to sign in again', async () => {
      await page.goto(`${base}/console/#/overview`);
      await ready(page);
      await page.getByRole('button', { name: 'Kirjaudu ulos' }).click();
      await page.waitForURL(/\/console\/login/);
      await page.goto(`${base}/console/#/overview`);
      await page.waitForURL(/\/console\/login/);
      tab.problems.splice(0);
    });
    void requestHash;
  } finally {
    await context.close().catch(() => {});
  }
}

// ---- The connectors (issue 15) ---------------------------------------------------------------

const MC_KEY = '0123456789abcdef0123456789abcdef-us6';
const MC_LIST = 'a1b2c3d4e5';
const FORGOTTEN = { name: 'Frida Forgotten', email: 'forgotten@example.fi' };

// The fake Mailchimp, its audience holding FORGOTTEN's address once and then deleted for
// good (so that Mailchimp refuses it: "Forgotten Email Not Subscribed"). Returns its port.
async function startFakeMailchimp() {
  const seed = path.join(run.tmp, 'mc-seed.json');
  fs.writeFileSync(seed, JSON.stringify({ lists: { [MC_LIST]: { members: [{ email_address: FORGOTTEN.email, status: 'subscribed' }] } } }));
  const child = spawn(process.env.FAKE_MAILCHIMP || path.join(BUILD, 'fake_mailchimp'),
    ['--max-seconds', '200', '--key', MC_KEY, '--list', MC_LIST, '--seed', seed], { stdio: ['ignore', 'pipe', 'inherit'] });
  run.children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const port = await until('the fake Mailchimp to print its port', () => {
    if (child.exitCode !== null) fail(`fake_mailchimp exited with ${child.exitCode}`);
    return /^(\d+)\r?\n/.exec(out)?.[1];
  });
  const hash = crypto.createHash('md5').update(FORGOTTEN.email).digest('hex');
  const r = await fetch(`http://127.0.0.1:${port}/3.0/lists/${MC_LIST}/members/${hash}/actions/delete-permanent`,
    { method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`rekisteri:${MC_KEY}`).toString('base64')}` } });
  if (r.status !== 204) fail(`the fake did not forget the member: HTTP ${r.status}`);
  return port;
}

async function connectorFlows() {
  let base = null;
  let personId = null;
  await step('[connectors] the fake Mailchimp; a person it refuses; serve with its key (sync interval 1 h)', async () => {
    const port = await startFakeMailchimp();
    const decl = path.join(run.tmp, 'decl-mailchimp.yaml');
    const text = fs.readFileSync(run.declaration, 'utf8').replace(/^( {6}api_key_env: REKISTERI_MAILCHIMP_API_KEY)$/m, `$1\n      url: http://127.0.0.1:${port}/3.0`);
    if (!text.includes(`127.0.0.1:${port}/3.0`)) fail('the example declaration has no api_key_env line to point at the fake');
    fs.writeFileSync(decl, text);
    personId = (await cli('person', 'add', '--register', 'marketing', '--purpose', 'sales_promotion', '--source', 'web_form',
      '--name', FORGOTTEN.name, '--email', FORGOTTEN.email, '--consent-channel', 'web_form')).trim();
    base = (await startServe(['--public-rate', '0', '--sync-interval', '3600'],
      { extraEnv: { REKISTERI_DECLARATION: decl, REKISTERI_MAILCHIMP_API_KEY: MC_KEY } })).url;
  }, { fatal: false });
  if (!base) return;
  const context = await run.browser.newContext({ locale: 'fi-FI', viewport: { width: 1280, height: 800 } });
  try {
    const tab = await openTab(context, base);
    const { page } = tab;
    if (!(await step('[connectors] sign in as dpo; the first pass has run', async () => {
      await signInToConsole(tab, ACCOUNTS.dpo);
      await until('the first sync pass', () => page.evaluate(async () => {
        const r = await (await fetch('/api/v1/recipients')).json();
        return r.recipients?.find((x) => x.connector === 'mailchimp')?.sync?.last_pass_at || null;
      }));
    }))) return;

    const mailchimp = 'The Rocket Science Group LLC d/b/a MailChimp';
    await step('[connectors, fi] the states, the refused person; axe, screenshots', async () => {
      await open(tab, '#/recipients', 'dpo-fi-recipients-connectors');
      await page.getByRole('heading', { level: 2, name: 'Yhteydet' }).waitFor();
      const connector = (name) => page.locator('.connector', { has: page.getByRole('heading', { level: 3, name, exact: true }) });
      const sf = await connector('Salesforce').innerText();
      const mc = await connector(mailchimp).innerText();
      if (!sf.includes('Ei määritetty: ympäristömuuttuja REKISTERI_SALESFORCE_CLIENT_ID puuttuu')) fail(`Salesforce: ${sf}`);
      if (!/Ajan tasalla, paitsi 1 torjuttu henkilö/.test(mc)) fail(`Mailchimp: ${mc}`);
      if (await connector('Salesforce').getByRole('button').count()) fail('a button to sync an unconfigured connector');
      await page.getByRole('heading', { level: 4, name: `Henkilöt, joita ${mailchimp} ei ottanut vastaan` }).waitFor();
      await page.getByRole('link', { name: personId, exact: true }).waitFor();
      if ((await page.locator('#main').innerText()).includes('@')) fail('an address on the page');
    });

    await step('[connectors, fi] "Synkronoi nyt" reached by Tab and pressed with Enter: the pass runs at once', async () => {
      await page.goto(`${base}/console/#/recipients`);
      await ready(page);
      await page.locator('body').focus();
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.textContent === 'Synkronoi nyt');
      }
      if (!reached) fail('"Synkronoi nyt" is not reached by Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 2, name: 'Synkronointi päättyi' }).waitFor({ timeout: 20_000 });
      await checkPage(tab, 'dpo-fi-recipients-synced');
    });

    await step('[connectors] the refused person\'s id opens their page', async () => {
      await page.getByRole('link', { name: personId, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: FORGOTTEN.name }).waitFor();
    });

    await step('[connectors, en] the connectors in English; axe, screenshots', async () => {
      await page.getByRole('button', { name: 'In English' }).click();
      await ready(page);
      await open(tab, '#/recipients', 'dpo-en-recipients-connectors');
      await page.getByRole('heading', { level: 2, name: 'Connectors' }).waitFor();
      await page.getByRole('button', { name: `Sync now: ${mailchimp}` }).waitFor();
      const text = await page.locator('#main').innerText();
      for (const want of ['Not configured: the environment variable REKISTERI_SALESFORCE_CLIENT_ID is not set', `Persons ${mailchimp} refused`, 'In step'])
        if (!text.includes(want)) fail(`no "${want}" on the page`);
    });
  } finally {
    await context.close().catch(() => {});
  }
}

async function publicPages(base) {
  const context = await run.browser.newContext({ locale: 'fi-FI' });
  try {
    const tab = await openTab(context, base);
    for (const l of ['fi', 'en'])
      await step(`/ (${l}) links to the notice, the forms, the request form and the console; axe`, async () => {
        await tab.page.goto(`${base}/?lang=${l}`);
        for (const href of ['/privacy', '/forms/newsletter', '/requests', '/console/'])
          if (!(await tab.page.locator(`a[href^="${href}"]`).count())) fail(`no link to ${href}`);
        await checkPage(tab, `front-${l}`);
      });
    await step('/console/login: axe, screenshots', async () => {
      await tab.page.goto(`${base}/console/login`);
      await checkPage(tab, 'login-fi');
    });
  } finally {
    await context.close().catch(() => {});
  }
}

async function main() {
  const chromium = await preflight({ axe: true });
  run.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-console-'));
  process.env.TMPDIR = run.tmp;
  fs.rmSync(SHOTS, { recursive: true, force: true });
  let base;
  await step('rekisteri init; staff add (marketing, sales, dpo) --password-file; serve', async () => {
    await cli('init');
    const pw = path.join(run.tmp, 'password');
    fs.writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
    for (const a of Object.values(ACCOUNTS))
      await cli('staff', 'add', '--email', a.email, '--name', a.name, '--role', a.role, '--password-file', pw);
    base = await startServer();
  }, { fatal: true });
  await step(`launch headless Chromium (${CHROMIUM})`, async () => {
    await launchChromium(chromium, { axe: true });
  }, { fatal: true });
  await publicPages(base);
  await roleMenus(base);
  await dpoFlows(base);
  await connectorFlows();
  await step('the server logged no personal data', async () => {
    if (/example\.test|Meikäläinen|Lahtinen|Tietosuoja|kettu/i.test(run.serverErr)) fail('personal data in the server log');
  });
  log(`     screenshots in ${SHOTS}`);
}

await runTest(main);
