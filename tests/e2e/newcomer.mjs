// newcomer.mjs — issue 4 in a real browser: a newcomer subscribes through the
// form, confirms from the email, unsubscribes with one click, and sees on the
// preferences page that the consent is off. Debian's Chromium (/usr/bin/chromium)
// is driven by playwright-core, which downloads no browser; the test starts the
// SMTP sink, `rekisteri serve` and the browser itself, on 127.0.0.1, and stops
// them all in `finally`.
//
// Once in Finnish with JavaScript on, once in English with JavaScript off (the
// pages must work without script). Issue 13 A besides: the declaration's branding
// on every page (header name, brand stylesheet, footer links), labels written for
// people and the interests as checkboxes, errors as sentences in the page's
// language (a refused submission first), dates in the language's format (the
// request form's answer), and every page the notice links to reachable from it
// and linking back. Throughout: every console error, page error,
// CSP violation and failed request fails the test; every page must carry the
// security headers; every control must have an accessible name (fields are
// found by their labels, buttons by their names).
//
// Environment (CTest sets the first three): REKISTERI, SMTP_SINK, RK_SOURCE_DIR;
// CHROMIUM (default /usr/bin/chromium). Run alone:
//   node tests/e2e/newcomer.mjs            (after a build in build/)
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SRC = process.env.RK_SOURCE_DIR || path.resolve(HERE, '..', '..');
const REKISTERI = process.env.REKISTERI || path.join(SRC, 'build', 'rekisteri');
const SMTP_SINK = process.env.SMTP_SINK || path.join(SRC, 'build', 'smtp_sink');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DECLARATION = path.join(SRC, 'examples', 'smartum', 'declaration.yaml');
const GLOBAL_TIMEOUT_MS = 90_000;
const STEP_TIMEOUT_MS = 10_000;

const t0 = Date.now();
let passed = 0;
let tmp = null;
let sink = null;
let server = null;
let serverErr = '';
let browser = null;

function log(line) {
    process.stdout.write(`${line}\n`);
}

class Failure extends Error {}

function fail(msg) {
    throw new Failure(msg);
}

// One line per step: its name, and how long it took.
async function step(name, fn) {
    const start = Date.now();
    try {
        await fn();
    } catch (e) {
        log(`FAIL ${name}: ${e instanceof Failure ? e.message : e.stack || e}`);
        throw new Failure(`step failed: ${name}`);
    }
    passed++;
    log(`ok   ${name} (${Date.now() - start} ms)`);
}

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(what, fn, ms = STEP_TIMEOUT_MS) {
    const end = Date.now() + ms;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) fail(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(50);
    }
}

// ---- The tools under test ------------------------------------------------------------------

function env() {
    const e = { ...process.env, REKISTERI_DECLARATION: DECLARATION };
    delete e.REKISTERI_DB;
    delete e.REKISTERI_KEY_FILE;
    delete e.REKISTERI_NOW;
    return e;
}

function cli(...args) {
    return new Promise((resolve, reject) => {
        execFile(REKISTERI, args, { cwd: tmp, env: env(), timeout: STEP_TIMEOUT_MS }, (err, out, errOut) => {
            if (err) reject(new Failure(`rekisteri ${args.join(' ')}: ${err.message} ${errOut}`));
            else resolve(out);
        });
    });
}

async function inAudience(email) {
    const out = await cli('audience', '--purpose', 'sales_promotion');
    return out.toLowerCase().includes(email.toLowerCase());
}

async function startSink() {
    fs.mkdirSync(path.join(tmp, 'mail'));
    const portFile = path.join(tmp, 'sink.port');
    sink = spawn(SMTP_SINK, ['--dir', path.join(tmp, 'mail'), '--port-file', portFile, '--max-seconds', '120'], {
        stdio: ['ignore', 'ignore', 'inherit'],
    });
    const port = await until('the SMTP sink to write its port', () => {
        if (sink.exitCode !== null) fail(`smtp_sink exited with ${sink.exitCode}`);
        const p = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
        return p;
    });
    return port;
}

async function startServer(sinkPort) {
    await cli('init');
    server = spawn(
        REKISTERI,
        ['serve', '--listen', '127.0.0.1:0', '--smtp', `smtp://127.0.0.1:${sinkPort}`,
         '--mail-from', 'noreply@smartum.fi', '--public-rate', '0'],
        { cwd: tmp, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    server.stdout.on('data', (d) => (out += d));
    server.stderr.on('data', (d) => (serverErr += d));
    const url = await until('the server to say where it listens', () => {
        if (server.exitCode !== null) fail(`rekisteri serve exited with ${server.exitCode}: ${serverErr}`);
        const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\/?$/m.exec(out);
        return m && m[1];
    });
    return url;
}

// Ends a child process: SIGTERM, then SIGKILL after two seconds.
async function stop(child) {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
}

// ---- Email, as the sink kept it ------------------------------------------------------------

// Quoted-printable (RFC 2045 6.7) to bytes, then UTF-8.
function decodeQP(text) {
    const soft = text.replace(/=\r?\n/g, '');
    const bytes = [];
    for (let i = 0; i < soft.length; i++) {
        const c = soft[i];
        if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
            bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
            i += 2;
        } else {
            bytes.push(...Buffer.from(c, 'utf8'));
        }
    }
    return Buffer.from(bytes).toString('utf8');
}

// Encoded words (RFC 2047) in a header value.
function decodeWords(value) {
    return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc, data) =>
        enc.toLowerCase() === 'b'
            ? Buffer.from(data, 'base64').toString('utf8')
            : decodeQP(data.replace(/_/g, ' ')),
    );
}

function parseMail(file) {
    const raw = fs.readFileSync(file, 'latin1'); // bytes; the body is decoded below
    const split = raw.indexOf('\r\n\r\n');
    if (split < 0) fail(`${path.basename(file)}: no blank line after the headers`);
    const headers = {};
    for (const line of raw.slice(0, split).replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0)
            headers[line.slice(0, colon).toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
    }
    let body = raw.slice(split + 4);
    const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
    if (cte === 'quoted-printable') body = decodeQP(body);
    else if (cte === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
    else body = Buffer.from(body, 'latin1').toString('utf8');
    return { file: path.basename(file), headers, body };
}

const seen = new Set();

// The next message to `to` whose subject starts with `subject`.
async function nextMail(to, subject) {
    const dir = path.join(tmp, 'mail');
    return until(`an email "${subject}" to ${to}`, () => {
        for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.eml')).sort()) {
            if (seen.has(f)) continue;
            const m = parseMail(path.join(dir, f));
            if ((m.headers.to || '').toLowerCase().includes(to.toLowerCase()) &&
                (m.headers.subject || '').startsWith(subject)) {
                seen.add(f);
                return m;
            }
        }
        return null;
    });
}

function linkIn(mail, base, route) {
    const re = new RegExp(`${base.replace(/[.:/]/g, '\\$&')}/${route}/[A-Za-z0-9_-]+(\\?lang=(fi|en))?`);
    const m = re.exec(mail.body);
    if (!m) fail(`no /${route}/ link in ${mail.file}:\n${mail.body}`);
    return m[0];
}

// ---- The browser ---------------------------------------------------------------------------

// A tab that records every problem a person would not see but a test must.
async function openTab(context, base) {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    const problems = [];
    page.on('console', (m) => {
        // A CSP violation is reported on the console as an error ("Refused to ...").
        // An answer with an expected error status (a refused form: 422) is logged by Chromium too.
        const st = /the server responded with a status of (\d+)/.exec(m.text());
        if (st && (page.rkExpect || []).includes(Number(st[1]))) return;
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    page.on('response', (r) => {
        if (!r.url().startsWith(base)) return;
        const h = r.headers();
        const csp = h['content-security-policy'] || '';
        if (!/(^|;)\s*default-src 'self'/.test(csp) || !/(^|;)\s*script-src 'self'/.test(csp) || /unsafe-inline|unsafe-eval/.test(csp))
            problems.push(`${r.url()}: Content-Security-Policy missing or weak: "${csp}"`);
        if (h['x-content-type-options'] !== 'nosniff')
            problems.push(`${r.url()}: X-Content-Type-Options is "${h['x-content-type-options']}", not nosniff`);
        if (r.status() >= 400 && !(page.rkExpect || []).includes(r.status()))
            problems.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
    });
    if (context.rkJavaScript) {
        // Reported through a binding: works whatever the page's CSP allows.
        await page.exposeBinding('rkCspViolation', (_, v) => problems.push(`CSP violation: ${v}`));
        await page.addInitScript(() => {
            document.addEventListener('securitypolicyviolation', (e) =>
                window.rkCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
        });
    }
    const cdp = await context.newCDPSession(page);
    return { page, problems, cdp };
}

const NAMED_ROLES = new Set(['button', 'link', 'textbox', 'checkbox', 'radio', 'combobox', 'listbox',
                             'searchbox', 'spinbutton', 'slider', 'switch', 'menuitem', 'tab', 'image']);

// The page as assistive technology sees it: a language, a title, one h1, and a name
// for every control and link (Chromium's accessibility tree, over CDP).
async function checkPage(tab, what) {
    const { page, problems, cdp } = tab;
    const lang = await page.locator('html').getAttribute('lang');
    if (!lang) problems.push(`${what}: <html> has no lang`);
    if (!(await page.title()).trim()) problems.push(`${what}: no <title>`);
    if ((await page.getByRole('heading', { level: 1 }).count()) !== 1) problems.push(`${what}: not exactly one h1`);
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    for (const n of nodes) {
        const role = n.role?.value;
        if (n.ignored || !NAMED_ROLES.has(role)) continue;
        if (!(n.name?.value || '').trim()) problems.push(`${what}: a ${role} without an accessible name`);
    }
    // The declaration's branding (branding: in examples/smartum): the name in the header, the
    // brand stylesheet after public.css, the company's links in the footer.
    if (!/Smartum/.test((await page.locator('body > header .brand').textContent().catch(() => '')) || ''))
        problems.push(`${what}: no header with the company's name`);
    const sheets = await page.locator('link[rel="stylesheet"]').evaluateAll((ls) => ls.map((l) => l.getAttribute('href')));
    if (!/^\/brand\/brand\.[0-9a-f]+\.css$/.test(sheets[sheets.length - 1] || ''))
        problems.push(`${what}: the brand stylesheet is not linked last: ${sheets.join(' ')}`);
    if (!(await page.locator('footer a[href="https://www.smartum.fi"]').count()))
        problems.push(`${what}: no company link in the footer`);
    {
        // no dead ends: the notice, the request form, the preferences, the other language
        for (const href of ['/privacy?lang=', '/requests?lang=', '/preferences?lang='])
            if (!(await page.locator(`footer a[href^="${href}"]`).count())) problems.push(`${what}: no link to ${href}`);
        if (!(await page.locator('footer a[hreflang]').count())) problems.push(`${what}: no language switch`);
    }
    if (page.context().rkJavaScript !== false) await checkLayout(page, what, problems);
    if (problems.length) fail(`${what}:\n  ${problems.join('\n  ')}`);
}

// axe-core (WCAG 2.2 A/AA: 0 violations), then the public stylesheet's promises (issue 13 A),
// at 320, 390 and 1280 px: nothing wider than
// the screen, every control at least 24 x 24 px, fields with 16 px text, the system font; and
// a screenshot of each width into e2e-shots/ beside the binary (only with JavaScript on: the
// checks run in the page).
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let axeSource = null;
async function checkLayout(page, what, problems) {
    axeSource ??= fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
    const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), AXE_TAGS);
    for (const v of res.violations)
        problems.push(`${what}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    const shots = path.join(path.dirname(REKISTERI), 'e2e-shots');
    fs.mkdirSync(shots, { recursive: true });
    const lang = await page.locator('html').getAttribute('lang');
    const name = `public-${lang}-${what.replace(/[^a-z0-9]+/gi, '-')}`;
    for (const width of [320, 390, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        const m = await page.evaluate(() => {
            const out = [];
            const root = document.documentElement;
            if (root.scrollWidth > root.clientWidth) out.push(`scrolls sideways (${root.scrollWidth} px)`);
            if (!getComputedStyle(document.body).fontFamily.includes('system-ui')) out.push('not styled (no system font)');
            for (const el of document.querySelectorAll('button, input:not([type="hidden"]), select, textarea')) {
                const r = el.getBoundingClientRect();
                const id = `${el.tagName.toLowerCase()}[${el.name || el.type}]`;
                if (r.width < 24 || r.height < 24) out.push(`${id} is ${Math.round(r.width)} x ${Math.round(r.height)} px`);
                if (parseFloat(getComputedStyle(el).fontSize) < 16) out.push(`${id} has text under 16 px`);
            }
            return out;
        });
        for (const x of m) problems.push(`${what} at ${width} px: ${x}`);
        await page.screenshot({ path: path.join(shots, `${name}-${width}.png`), fullPage: true });
        if (width === 1280) // the first screenful too, as a reader sees it (the README's pictures)
            await page.screenshot({ path: path.join(shots, `${name}-${width}-top.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
}

async function heading(page, name) {
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor({ state: 'visible' });
}

// Clicks a submit button and waits for the page its form's POST answers with.
async function submitBy(page, button) {
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
    await button.click();
    const resp = await answered;
    await page.waitForLoadState('load');
    return resp;
}

// Follows a link and waits for the page it opens.
async function submitLink(page, link) {
    const answered = page.waitForResponse((r) => r.request().isNavigationRequest());
    await link.click();
    await answered;
    await page.waitForLoadState('load');
}

// ---- The newcomer's path -------------------------------------------------------------------

const TEXT = {
    fi: {
        form: 'Uutiskirjeen tilaus', email: 'Sähköpostiosoite', name: 'Nimi', topic: 'Lounasetu',
        topics: 'Mistä aiheista haluat kuulla?', badEmail: 'Sähköpostiosoite ei sisällä @-merkkiä.',
        errorTitle: 'Virhe: ', noticeLinks: 'Asiointi', prefsStart: 'Tilauksesi ja valintasi',
        requests: 'Tietosuojaoikeuksien käyttäminen', requestType: 'Pyyntö', send: 'Lähetä',
        received: 'Pyyntö vastaanotettu', date: /viimeistään (\d{1,2})\.(\d{1,2})\.(\d{4})\./,
        consent: 'Annan Smartum Oy:lle luvan', subscribe: 'Tilaa', check: 'Tarkista sähköpostisi',
        confirmSubject: 'Vahvista tilauksesi', confirmTitle: 'Vahvista tilaus', confirm: 'Vahvista',
        thanks: 'Kiitos!', confirmed: 'Tilauksesi on vahvistettu.', welcomeSubject: 'Tilauksesi on vahvistettu',
        unsubTitle: 'Peru tilaus', unsub: 'Peru tilaus', unsubscribed: 'Tilaus peruttu',
        prefsTitle: 'Omat valintasi', off: 'Suostumuksesi ei ole voimassa.', giveConsent: 'Anna suostumus',
    },
    en: {
        form: 'Newsletter subscription', email: 'Email address', name: 'Name', topic: 'Lunch benefit',
        topics: 'Which topics would you like to hear about?', badEmail: "Email address has no '@'.",
        errorTitle: 'Error: ', noticeLinks: 'What you can do here', prefsStart: 'Your subscriptions and choices',
        requests: 'Exercise your data protection rights', requestType: 'Request', send: 'Send',
        received: 'Request received', date: /by (\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December) (\d{4})\./,
        consent: 'I allow Smartum Oy to send me newsletters', subscribe: 'Subscribe', check: 'Check your email',
        confirmSubject: 'Please confirm', confirmTitle: 'Confirm your subscription', confirm: 'Confirm',
        thanks: 'Thank you!', confirmed: 'Your subscription is confirmed.', welcomeSubject: 'Your subscription is confirmed',
        unsubTitle: 'Unsubscribe', unsub: 'Unsubscribe', unsubscribed: 'Unsubscribed',
        prefsTitle: 'Your preferences', off: 'Your consent is off.', giveConsent: 'Give consent',
    },
};

async function newcomer(base, lang, person) {
    const t = TEXT[lang];
    const js = lang === 'fi';
    const tag = `[${lang}, JavaScript ${js ? 'on' : 'off'}]`;
    const context = await browser.newContext({
        locale: lang === 'fi' ? 'fi-FI' : 'en-GB', // Accept-Language, for the link without ?lang
        javaScriptEnabled: js,
    });
    context.rkJavaScript = js;
    try {
        const tab = await openTab(context, base);
        const { page } = tab;

        await step(`${tag} the form page /forms/newsletter?lang=${lang} has labelled fields`, async () => {
            const resp = await page.goto(`${base}/forms/newsletter?lang=${lang}`);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, t.form);
            await checkPage(tab, 'form page');
        });

        await step(`${tag} the form: labels for people, the topics as checkboxes`, async () => {
            await page.getByRole('group', { name: t.topics }).waitFor();
            if ((await page.getByRole('group', { name: t.topics }).getByRole('checkbox').count()) < 3)
                fail('fewer than three topic checkboxes');
            if (await page.getByText('Rekisteröidyn antamat', { exact: false }).count())
                fail('the legal category name is shown as a label');
        });

        await step(`${tag} the privacy notice /privacy?lang=${lang} fits the screen`, async () => {
            const resp = await page.goto(`${base}/privacy?lang=${lang}`);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await checkPage(tab, 'privacy notice');
        });

        await step(`${tag} every page the notice links to opens and links back to it`, async () => {
            const links = page.locator('main ul').first().locator('a');
            const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
            for (const want of ['/forms/newsletter?lang=', '/preferences?lang=', '/requests?lang='])
                if (!hrefs.some((h) => h.startsWith(want))) fail(`the notice does not link ${want}: ${hrefs.join(' ')}`);
            // the cookie settings live on the company's site (cookies.settings_url), not followed here
            if (!hrefs.includes('https://www.smartum.fi/#cookie-settings'))
                fail(`the notice does not link the cookie settings: ${hrefs.join(' ')}`);
            for (const href of hrefs.filter((h) => h.startsWith('/'))) {
                await page.goto(`${base}/privacy?lang=${lang}`);
                await submitLink(page, page.locator(`main a[href="${href}"]`).first());
                const back = page.locator(`footer a[href="/privacy?lang=${lang}"]`);
                if (!(await back.count())) fail(`${href}: no link back to the notice`);
                if (href.startsWith('/preferences')) {
                    await heading(page, t.prefsStart);
                    await checkPage(tab, 'preferences start page');
                } else if (href.startsWith('/requests')) {
                    await heading(page, t.requests);
                    await checkPage(tab, 'request form');
                }
                await back.click();
                await page.waitForLoadState('load');
                await page.getByRole('heading', { level: 2, name: t.noticeLinks }).waitFor();
            }
            await page.goto(`${base}/forms/newsletter?lang=${lang}`);
        });

        await step(`${tag} a bad address: the error as a sentence in the page's language, no field id`, async () => {
            await page.getByRole('textbox', { name: t.email }).fill(person.email.replace('@', '(at)'));
            await page.getByRole('checkbox', { name: t.consent }).check();
            page.rkExpect = [422];
            try {
                const resp = await submitBy(page, page.getByRole('button', { name: t.subscribe, exact: true }));
                if (resp.status() !== 422) fail(`HTTP ${resp.status()}`);
                if (!(await page.title()).startsWith(t.errorTitle)) fail(`title "${await page.title()}"`);
                const summary = page.locator('.error-summary a[href="#f-email"]');
                if ((await summary.textContent()) !== t.badEmail) fail(`summary: "${await summary.textContent()}"`);
                if (await page.getByText(/\bemail:/).count()) fail('a field id in the error');
                // The summary takes the focus (autofocus: no script needed), so it is read first.
                if (js && !(await page.evaluate(() => document.activeElement?.classList.contains('error-summary'))))
                    fail('the error summary does not have the focus');
                await checkPage(tab, 'form with an error');
            } finally {
                page.rkExpect = [];
            }
        });

        await step(`${tag} fill in email and name, tick a topic and the consent box, press "${t.subscribe}"`, async () => {
            await page.getByRole('textbox', { name: t.email }).fill(person.email);
            await page.getByRole('textbox', { name: t.name, exact: true }).fill(person.name);
            await page.getByRole('checkbox', { name: t.topic, exact: true }).check();
            const consent = page.getByRole('checkbox', { name: t.consent });
            await consent.check();
            if (!(await consent.isChecked())) fail('the consent box did not tick');
            const resp = await submitBy(page, page.getByRole('button', { name: t.subscribe, exact: true }));
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}: ${await resp.text()}`);
            await heading(page, t.check);
            await checkPage(tab, 'submission answer');
        });

        let confirmLink;
        await step(`${tag} the confirmation email arrives with a link`, async () => {
            const m = await nextMail(person.email, t.confirmSubject);
            if (m.headers['list-unsubscribe']) fail('the confirmation request carries List-Unsubscribe');
            confirmLink = linkIn(m, base, 'confirm');
        });

        await step(`${tag} the link opens a page with a button and confirms nothing by itself`, async () => {
            const resp = await page.goto(confirmLink);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, t.confirmTitle);
            await checkPage(tab, 'confirmation page');
            if (await inAudience(person.email)) fail('in the audience before pressing the button');
        });

        await step(`${tag} press "${t.confirm}": the thank-you page, and the person is in the audience`, async () => {
            const resp = await submitBy(page, page.getByRole('button', { name: t.confirm, exact: true }));
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, t.thanks);
            await page.getByText(t.confirmed, { exact: true }).waitFor();
            await checkPage(tab, 'thank-you page');
            if (!(await inAudience(person.email))) fail('not in the audience after confirming');
        });

        let unsubscribe, preferences;
        await step(`${tag} the welcome email carries List-Unsubscribe and List-Unsubscribe-Post`, async () => {
            const m = await nextMail(person.email, t.welcomeSubject);
            const lu = /^<(https?:\/\/[^>]+)>$/.exec(m.headers['list-unsubscribe'] || '');
            if (!lu || !lu[1].startsWith(`${base}/u/`)) fail(`List-Unsubscribe: "${m.headers['list-unsubscribe']}"`);
            if (m.headers['list-unsubscribe-post'] !== 'List-Unsubscribe=One-Click')
                fail(`List-Unsubscribe-Post: "${m.headers['list-unsubscribe-post']}"`);
            unsubscribe = lu[1];
            preferences = linkIn(m, base, 'preferences');
        });

        await step(`${tag} the List-Unsubscribe URL opens a page that does not unsubscribe by itself`, async () => {
            const resp = await page.goto(unsubscribe);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, t.unsubTitle);
            await checkPage(tab, 'unsubscribe page');
            if (!(await inAudience(person.email))) fail('opening the page unsubscribed (link scanners would)');
        });

        await step(`${tag} press "${t.unsub}": unsubscribed, gone from the audience, the form linked`, async () => {
            const resp = await submitBy(page, page.getByRole('button', { name: t.unsub, exact: true }));
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, t.unsubscribed);
            if (!(await page.locator(`main a[href="/forms/newsletter?lang=${lang}"]`).count()))
                fail('no link to subscribe again');
            if (await page.locator('main button').count()) fail('a button that can no longer work');
            await checkPage(tab, 'unsubscribed page');
            if (await inAudience(person.email)) fail('still in the audience after unsubscribing');
        });

        await step(`${tag} the preferences link from the email says the consent is off`, async () => {
            const resp = await page.goto(preferences);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, t.prefsTitle);
            await page.getByText(t.off, { exact: true }).waitFor();
            await page.getByRole('button', { name: t.giveConsent, exact: true }).waitFor();
            await checkPage(tab, 'preferences page');
        });

        await step(`${tag} the request form answers with the due date in the language's format`, async () => {
            await page.goto(`${base}/requests?lang=${lang}`);
            await page.getByRole('combobox', { name: t.requestType }).selectOption('access');
            await page.getByRole('textbox', { name: t.email }).fill(`pyytaja.${lang}@example.fi`);
            const resp = await submitBy(page, page.getByRole('button', { name: t.send, exact: true }));
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, t.received);
            const text = await page.locator('main').textContent();
            if (!t.date.test(text)) fail(`no date in the language's format: ${text}`);
            if (/\d{4}-\d{2}-\d{2}/.test(text)) fail(`an ISO date: ${text}`);
            await checkPage(tab, 'request received');
        });
    } finally {
        await context.close().catch(() => {});
    }
}

// ---- Start, run, stop ----------------------------------------------------------------------

async function preflight() {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 20) fail(`node ${process.version} is too old: playwright-core needs node >= 20`);
    for (const [what, file] of [['rekisteri', REKISTERI], ['smtp_sink', SMTP_SINK]])
        if (!fs.existsSync(file)) fail(`${what} not found at ${file}: build first (cmake --build build)`);
    try {
        fs.accessSync(CHROMIUM, fs.constants.X_OK);
    } catch {
        fail(`Chromium not found at ${CHROMIUM}: run scripts/setup as root (it installs Debian's chromium)`);
    }
    try {
        return (await import('playwright-core')).chromium;
    } catch (e) {
        fail(`playwright-core is not installed in tests/e2e/node_modules (${e.code || e.message}): run scripts/setup`);
    }
}

let cleaning = null;
function cleanup() {
    cleaning ??= (async () => {
        if (browser) await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
        await Promise.all([stop(server), stop(sink)]);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    })();
    return cleaning;
}

async function main() {
    const chromium = await preflight();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-e2e-'));
    process.env.TMPDIR = tmp; // Chromium's profile lands in the temp dir too
    let base;
    await step('start smtp_sink and rekisteri serve on 127.0.0.1', async () => {
        const port = await startSink();
        base = await startServer(port);
    });
    await step(`launch headless Chromium (${CHROMIUM})`, async () => {
        browser = await chromium.launch({
            executablePath: CHROMIUM,
            headless: true,
            args: ['--no-sandbox'], // Chromium's sandbox refuses to run as root
            timeout: STEP_TIMEOUT_MS,
        });
        log(`     Chromium ${browser.version()}, playwright-core ${JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', 'playwright-core', 'package.json'), 'utf8')).version}, node ${process.version}`);
    });
    await newcomer(base, 'fi', { email: 'Maija.Meikalainen@Example.FI', name: 'Maija Meikäläinen' });
    await newcomer(base, 'en', { email: 'new.comer@example.com', name: 'Newcomer Smith' });
    await step('the server logged no personal data', async () => {
        if (/example\.fi|example\.com|Meikäläinen|Smith/i.test(serverErr)) fail('personal data in the server log');
    });
}

const watchdog = setTimeout(async () => {
    log(`FAIL the whole test took longer than ${GLOBAL_TIMEOUT_MS / 1000} s`);
    await cleanup();
    process.exit(1);
}, GLOBAL_TIMEOUT_MS);

for (const sig of ['SIGINT', 'SIGTERM'])
    process.on(sig, async () => {
        log(`FAIL stopped by ${sig}`);
        await cleanup();
        process.exit(1);
    });

let ok = false;
try {
    await main();
    ok = true;
} catch (e) {
    if (!(e instanceof Failure)) log(`FAIL ${e.stack || e}`);
    else if (!e.message.startsWith('step failed')) log(`FAIL ${e.message}`);
    if (serverErr && !ok) log(`server log (last lines):\n${serverErr.split('\n').slice(-10).join('\n')}`);
} finally {
    await cleanup();
    clearTimeout(watchdog);
}
log(`browser_e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
log(`${passed} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
