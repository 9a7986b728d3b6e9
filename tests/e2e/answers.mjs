// answers.mjs — issue 13 B in a real browser: the answer reaches the person.
// A person on file makes an access request through the public form (Finnish,
// JavaScript on); the receipt links the status page; staff ask for an
// email_code verification through the API and the person confirms from the
// emailed link; staff complete the request through the API; the person opens
// the emailed download link, asks for a one-time code, types it from the
// second email and downloads the access document (HTML) and its JSON; then
// again in English with JavaScript off (status page, a new code, a download).
// Every download is audited with the request id, never the address. axe-core
// (WCAG 2.2 A/AA) finds 0 violations on the status page, the answer page and
// the file list; every page carries the security headers and the footer.
// Shares newcomer.mjs's checks (copied: each browser test stands alone).
//
// Environment (CTest sets the first three): REKISTERI, SMTP_SINK, RK_SOURCE_DIR;
// CHROMIUM (default /usr/bin/chromium). Run alone:
//   node tests/e2e/answers.mjs            (after a build in build/)
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
const EXAMPLE = path.join(SRC, 'examples', 'smartum', 'declaration.yaml');
let DECLARATION = EXAMPLE; // a copy in the temp dir: email_code verification, a short mail interval
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
        if (r.status() >= 400) problems.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
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
    if (what !== 'privacy notice') { // no dead ends: the notice, the request form, the other language
        for (const href of ['/privacy?lang=', '/requests?lang='])
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

// ---- The person's path -------------------------------------------------------------------

const PERSON = { email: 'aino.asiakas@example.fi', name: 'Aino Asiakas' };
let DP = null; // the dpo role's API token

async function api(base, method, route, body) {
    const resp = await fetch(`${base}${route}`, {
        method,
        headers: { Authorization: `Bearer ${DP}`, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
    });
    const text = await resp.text();
    if (resp.status >= 300) fail(`${method} ${route}: HTTP ${resp.status}: ${text}`);
    return JSON.parse(text);
}

const LINKS = {}; // what the first pass found, for the second

async function answers(base) {
    const context = await browser.newContext({ locale: 'fi-FI', javaScriptEnabled: true, acceptDownloads: true });
    context.rkJavaScript = true;
    try {
        const tab = await openTab(context, base);
        const { page } = tab;
        let rid;
        await step('[fi] the request form: an access request', async () => {
            const resp = await page.goto(`${base}/requests?lang=fi`);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await page.getByLabel('Pyyntö').selectOption('access');
            await page.getByRole('textbox', { name: 'Sähköposti' }).fill(PERSON.email);
            const r = await submitBy(page, page.getByRole('button', { name: 'Lähetä', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Pyyntö vastaanotettu');
            rid = /R-[A-Z2-7]{12}/.exec(await page.locator('main').innerText())?.[0];
            if (!rid) fail('no request id on the page');
        });

        let status;
        await step('[fi] the receipt links the status page: type, state, due date; axe 0', async () => {
            const m = await nextMail(PERSON.email, 'Pyyntösi on vastaanotettu');
            status = linkIn(m, base, 'requests/status');
            const resp = await page.goto(status);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, 'Pyyntösi tila');
            const text = await page.locator('main').innerText();
            for (const want of [rid, 'tietojen tarkastaminen', 'Vastaanotettu', 'Vastaamme viimeistään', 'Mitä seuraavaksi'])
                if (!text.includes(want)) fail(`the status page lacks "${want}":\n${text}`);
            if (/\d{4}-\d{2}-\d{2}/.test(text)) fail('an ISO date on the status page');
            await checkPage(tab, 'status page');
        });

        await step('staff ask for email_code verification; the person confirms from the link', async () => {
            await api(base, 'POST', `/api/v1/requests/${rid}/verify`, { method: 'email_code' });
            const m = await nextMail(PERSON.email, 'Vahvista pyyntösi');
            const resp = await page.goto(linkIn(m, base, 'requests/verify'));
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            const r = await submitBy(page, page.getByRole('button', { name: 'Vahvista', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Pyyntö vahvistettu');
        });

        let answer;
        await step('staff complete the request through the API: the download link is emailed', async () => {
            const done = await api(base, 'POST', `/api/v1/requests/${rid}/complete`);
            if (done.status !== 'completed' || !done.download_until || done.person_notified !== true)
                fail(`the completion: ${JSON.stringify(done).slice(0, 300)}`);
            const m = await nextMail(PERSON.email, 'Vastaus pyyntöösi');
            answer = linkIn(m, base, 'requests/answer');
            Object.assign(LINKS, { rid, status, answer });
            if (/[0-9]{6}/.test(m.body.replace(/R-[A-Z2-7]{12}/g, '').replace(answer, '')))
                fail('a code in the link email');
        });

        await step('[fi] the answer page asks for a code; axe 0', async () => {
            const resp = await page.goto(answer);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, 'Lataa tietosi');
            await page.getByRole('textbox', { name: 'Kertakäyttöinen koodi (6 numeroa)' }).waitFor();
            await checkPage(tab, 'answer page');
        });

        let code;
        await step('[fi] press "Lähetä koodi sähköpostiini": the code arrives by email', async () => {
            const r = await submitBy(page, page.getByRole('button', { name: 'Lähetä koodi sähköpostiini', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Koodi lähetetty');
            await checkPage(tab, 'code sent page');
            const m = await nextMail(PERSON.email, 'Kertakäyttöinen koodi');
            code = new RegExp(`${rid}: ([0-9]{6})`).exec(m.body)?.[1];
            if (!code) fail(`no code in the email:\n${m.body}`);
        });

        await step('[fi] type the code, press "Avaa tiedostot": the list of files; axe 0', async () => {
            await page.getByRole('textbox', { name: 'Kertakäyttöinen koodi (6 numeroa)' }).fill(code);
            const r = await submitBy(page, page.getByRole('button', { name: 'Avaa tiedostot', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Lataa tietosi');
            await page.getByRole('link', { name: 'Tietosi luettavassa muodossa (HTML)' }).waitFor();
            await checkPage(tab, 'file list');
        });

        for (const [name, file, check] of [
            ['Tietosi luettavassa muodossa (HTML)', 'access.html', (t) => t.includes('<html lang="fi">') && t.includes(PERSON.name)],
            ['Tietosi koneluettavassa muodossa (JSON)', 'access.json', (t) => JSON.parse(t).request_id === rid],
        ]) {
            await step(`[fi] download ${file}`, async () => {
                const dl = page.waitForEvent('download');
                await page.getByRole('link', { name }).click();
                const d = await dl;
                if (d.suggestedFilename() !== `${rid}-${file}`) fail(`file name ${d.suggestedFilename()}`);
                const text = fs.readFileSync(await d.path(), 'utf8');
                if (!check(text)) fail(`${file} is not right:\n${text.slice(0, 400)}`);
                // Download navigations end as aborted requests in Chromium: not a problem.
                tab.problems.splice(0, tab.problems.length,
                    ...tab.problems.filter((p) => !(p.includes('ERR_ABORTED') && p.includes(`/requests/answer/`))));
            });
        }

        if (tab.problems.length) fail(tab.problems.join('\n'));
    } finally {
        await context.close().catch(() => {});
    }
}

// The same answer again in English with JavaScript off: the pages work without script.
async function withoutScript(base) {
    const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false, acceptDownloads: true });
    context.rkJavaScript = false;
    const { rid } = LINKS;
    const status = LINKS.status.split('?')[0], answer = LINKS.answer.split('?')[0];
    try {
        const tab = await openTab(context, base);
        const { page } = tab;
        await step('[en, JavaScript off] the status page says the request was answered', async () => {
            const resp = await page.goto(`${status}?lang=en`);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, "Your request's status");
            const text = await page.locator('main').innerText();
            for (const want of [rid, 'access to your data', 'Answered', 'What happens next'])
                if (!text.includes(want)) fail(`the status page lacks "${want}":\n${text}`);
            await checkPage(tab, 'status page');
        });
        let code;
        await step('[en, JavaScript off] ask for a code on the answer page', async () => {
            const resp = await page.goto(`${answer}?lang=en`);
            if (resp.status() !== 200) fail(`HTTP ${resp.status()}`);
            await heading(page, 'Download your data');
            await checkPage(tab, 'answer page');
            const r = await submitBy(page, page.getByRole('button', { name: 'Email me a code', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Code sent');
            const m = await nextMail(PERSON.email, 'Kertakäyttöinen koodi');
            code = new RegExp(`${rid}: ([0-9]{6})`).exec(m.body)?.[1];
            if (!code) fail(`no code in the email:\n${m.body}`);
        });
        await step('[en, JavaScript off] type the code and download access.json', async () => {
            await page.getByRole('textbox', { name: 'One-time code (6 digits)' }).fill(code);
            const r = await submitBy(page, page.getByRole('button', { name: 'Open the files', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Download your data');
            await checkPage(tab, 'file list');
            const dl = page.waitForEvent('download');
            await page.getByRole('link', { name: 'Your data, machine-readable (JSON)' }).click();
            const d = await dl;
            if (JSON.parse(fs.readFileSync(await d.path(), 'utf8')).request_id !== rid) fail('access.json is not right');
            const left = tab.problems.filter((p) => !(p.includes('ERR_ABORTED') && p.includes('/requests/answer/')));
            if (left.length) fail(left.join('\n'));
        });
        await step('every download is audited with the request id, never the address', async () => {
            const out = await cli('audit', 'list');
            const lines = out.split('\n').filter((l) => l.includes('answer.download'));
            if (lines.length !== 3 || !lines.every((l) => l.includes(rid))) fail(`audit:\n${lines.join('\n')}`);
            if (out.toLowerCase().includes(PERSON.email)) fail('the address in the audit chain');
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
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-e2e-answers-'));
    process.env.TMPDIR = tmp; // Chromium's profile lands in the temp dir too
    // The example verifies in person only; this copy also allows email_code, and lets the code
    // follow the receipt within seconds (the mail limit's interval is 10 minutes by default).
    DECLARATION = path.join(tmp, 'declaration.yaml');
    fs.writeFileSync(DECLARATION, fs.readFileSync(EXAMPLE, 'utf8')
        .replace(/^  verification: \[in_person\]$/m, '  verification: [in_person, email_code]')
        + 'mail_limits:\n  min_interval: 1s\n  per_day: 20\n');
    let base;
    await step('start smtp_sink and rekisteri serve on 127.0.0.1', async () => {
        const port = await startSink();
        base = await startServer(port);
        await cli('person', 'add', '--register', 'customer', '--purpose', 'customer_relationship',
                  '--source', 'web_form', '--name', PERSON.name, '--email', PERSON.email);
        DP = (await cli('token', 'create', '--name', 'dp', '--role', 'dpo')).trim();
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
    await answers(base);
    await withoutScript(base);
    await step('the server logged no personal data', async () => {
        if (/example\.fi|Asiakas/i.test(serverErr)) fail('personal data in the server log');
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
log(`browser_answers: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
log(`${passed} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
