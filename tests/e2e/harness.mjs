// harness.mjs — what the browser tests (newcomer.mjs, console.mjs, answers.mjs,
// consent.mjs) share, so that each of them holds only its own path and checks.
//
//  - run: the one test's state (passed, failed, tmp, browser, serverErr, the child
//    processes and servers to stop), set up by configure();
//  - log, fail, Failure, check, sleep, until, step: one line per step, "ok   name (ms)"
//    or "FAIL name: why"; a failed step ends the run unless run.keepGoing (console.mjs);
//  - rekisteriEnv, cli, startSink, startServe, startServeWithMail, stop: the tools under
//    test on 127.0.0.1;
//  - nextMail, linkIn: the email the SMTP sink kept (quoted-printable, RFC 2047 words);
//  - openPublicTab, reportCspViolations, securityHeaderProblems, checkAccessibleNames,
//    checkFooterLinks, axeViolations, checkLayout, heading, submitBy: what a page must satisfy (no console errors or CSP violations, the security
//    headers, axe-core WCAG 2.2 A/AA, the public stylesheet's promises);
//  - preflight, launchChromium, runTest: start, the global timeout, SIGINT/SIGTERM,
//    cleanup in `finally`, the last lines ("N passed, M failed") and the exit code.
// Environment: REKISTERI, SMTP_SINK, RK_SOURCE_DIR, RK_BUILD_DIR, CHROMIUM (default
// /usr/bin/chromium); each test documents which it reads.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SRC = process.env.RK_SOURCE_DIR || path.resolve(HERE, '..', '..');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SMTP_SINK = process.env.SMTP_SINK || path.join(SRC, 'build', 'smtp_sink');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export const run = {
    name: 'browser test',
    rekisteri: process.env.REKISTERI || path.join(SRC, 'build', 'rekisteri'),
    declaration: path.join(SRC, 'examples', 'smartum', 'declaration.yaml'),
    globalTimeoutMs: 90_000,
    stepTimeoutMs: 10_000,
    pollMs: 50,
    keepGoing: false, // a failed step ends the run (console.mjs: reported, the run goes on)
    t0: Date.now(),
    passed: 0,
    failed: 0,
    tmp: null,
    browser: null,
    serverErr: '',
    children: [], // processes to stop in cleanup
    closers: [], // more to do in cleanup (the test's own HTTP servers)
};

export function configure(options) {
    Object.assign(run, options);
}

// ---- Steps -----------------------------------------------------------------------------------

export function log(line) {
    process.stdout.write(`${line}\n`);
}

export class Failure extends Error {}

export function fail(msg) {
    throw new Failure(msg);
}

export function check(cond, msg) {
    if (!cond) fail(msg);
}

export function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(what, fn, ms = run.stepTimeoutMs) {
    const end = Date.now() + ms;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) fail(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(run.pollMs);
    }
}

// One line per step: its name, and how long it took. A failed step is counted and
// reported; it ends the run when fatal (the default unless run.keepGoing), else
// step() returns false.
export async function step(name, fn, { fatal = !run.keepGoing } = {}) {
    const start = Date.now();
    try {
        await fn();
    } catch (e) {
        run.failed++;
        log(`FAIL ${name}: ${e instanceof Failure ? e.message : e.stack || e}`);
        if (fatal) throw new Failure(`step failed: ${name}`);
        return false;
    }
    run.passed++;
    log(`ok   ${name} (${Date.now() - start} ms)`);
    return true;
}

// ---- The tools under test --------------------------------------------------------------------

// The environment for rekisteri: run.declaration, no database or key file from outside,
// REKISTERI_NOW only when `extra` sets it.
export function rekisteriEnv(extra = {}) {
    const e = { ...process.env, REKISTERI_DECLARATION: run.declaration, ...extra };
    delete e.REKISTERI_DB;
    delete e.REKISTERI_KEY_FILE;
    if (!extra.REKISTERI_NOW) delete e.REKISTERI_NOW;
    return e;
}

export function cli(...args) {
    return new Promise((resolve, reject) => {
        execFile(run.rekisteri, args, { cwd: run.tmp, env: rekisteriEnv(), timeout: run.stepTimeoutMs }, (err, out, errOut) => {
            if (err) reject(new Failure(`rekisteri ${args.join(' ')}: ${err.message} ${errOut}`));
            else resolve(out);
        });
    });
}

// smtp_sink keeping mail in run.tmp/mail; returns its port.
export async function startSink() {
    fs.mkdirSync(path.join(run.tmp, 'mail'));
    const portFile = path.join(run.tmp, 'sink.port');
    const sink = spawn(SMTP_SINK, ['--dir', path.join(run.tmp, 'mail'), '--port-file', portFile, '--max-seconds', '120'], {
        stdio: ['ignore', 'ignore', 'inherit'],
    });
    run.children.push(sink);
    return until('the SMTP sink to write its port', () => {
        if (sink.exitCode !== null) fail(`smtp_sink exited with ${sink.exitCode}`);
        return fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    });
}

// `rekisteri serve --listen 127.0.0.1:0 ARGS` in run.tmp; its stderr goes to run.serverErr
// (emptied first when resetLog). Returns { child, url }.
export async function startServe(args, { extraEnv = {}, resetLog = false } = {}) {
    const child = spawn(run.rekisteri, ['serve', '--listen', '127.0.0.1:0', ...args],
        { cwd: run.tmp, env: rekisteriEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    run.children.push(child);
    if (resetLog) run.serverErr = '';
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (run.serverErr += d));
    const url = await until('the server to say where it listens', () => {
        if (child.exitCode !== null) fail(`rekisteri serve exited with ${child.exitCode}: ${run.serverErr}`);
        const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\/?$/m.exec(out);
        return m && m[1];
    });
    return { child, url };
}

// The public side with mail: smtp_sink, `rekisteri init`, then `rekisteri serve` sending
// through the sink as noreply@smartum.fi, without the public rate limit. Returns its URL.
export async function startServeWithMail() {
    const sinkPort = await startSink();
    await cli('init');
    const { url } = await startServe(['--smtp', `smtp://127.0.0.1:${sinkPort}`,
                                      '--mail-from', 'noreply@smartum.fi', '--public-rate', '0']);
    return url;
}

// Ends a child process: SIGTERM, then SIGKILL after two seconds.
export async function stop(child) {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
}

// ---- Email, as the sink kept it --------------------------------------------------------------

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
export async function nextMail(to, subject) {
    const dir = path.join(run.tmp, 'mail');
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

export function linkIn(mail, base, route) {
    const re = new RegExp(`${base.replace(/[.:/]/g, '\\$&')}/${route}/[A-Za-z0-9_-]+(\\?lang=(fi|en))?`);
    const m = re.exec(mail.body);
    if (!m) fail(`no /${route}/ link in ${mail.file}:\n${mail.body}`);
    return m[0];
}

// ---- Pages -----------------------------------------------------------------------------------

// What is wrong with the security headers of an answer from rekisteri (a strict CSP,
// nosniff), as lines for a problems list.
export function securityHeaderProblems(r) {
    const out = [];
    const h = r.headers();
    const csp = h['content-security-policy'] || '';
    if (!/(^|;)\s*default-src 'self'/.test(csp) || !/(^|;)\s*script-src 'self'/.test(csp) || /unsafe-inline|unsafe-eval/.test(csp))
        out.push(`${r.url()}: Content-Security-Policy missing or weak: "${csp}"`);
    if (h['x-content-type-options'] !== 'nosniff')
        out.push(`${r.url()}: X-Content-Type-Options is "${h['x-content-type-options']}", not nosniff`);
    return out;
}

// CSP violations into `problems`, through a binding: works whatever the page's CSP allows.
export async function reportCspViolations(page, problems) {
    await page.exposeBinding('rkCspViolation', (_, v) => problems.push(`CSP violation: ${v}`));
    await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) =>
            window.rkCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
    });
}

// A public-side tab that records every problem a person would not see but a test must:
// console errors and warnings, page errors, failed requests, CSP violations (with
// JavaScript on), answers from `base` without the security headers or with an error
// status the page does not expect (page.rkExpect: e.g. [422] for a refused form).
export async function openPublicTab(context, base) {
    const page = await context.newPage();
    page.setDefaultTimeout(run.stepTimeoutMs);
    page.setDefaultNavigationTimeout(run.stepTimeoutMs);
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
        problems.push(...securityHeaderProblems(r));
        if (r.status() >= 400 && !(page.rkExpect || []).includes(r.status()))
            problems.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
    });
    if (context.rkJavaScript) await reportCspViolations(page, problems);
    const cdp = await context.newCDPSession(page);
    return { page, problems, cdp };
}

const NAMED_ROLES = new Set(['button', 'link', 'textbox', 'checkbox', 'radio', 'combobox', 'listbox',
                             'searchbox', 'spinbutton', 'slider', 'switch', 'menuitem', 'tab', 'image']);

// The page as assistive technology sees it: a language, a title, one h1, and a name
// for every control and link (Chromium's accessibility tree, over CDP): into tab.problems.
export async function checkAccessibleNames(tab, what) {
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
}

// No dead ends: the footer links each of `hrefs` (prefixes, e.g. '/privacy?lang=') and
// the other language.
export async function checkFooterLinks(page, what, problems, hrefs) {
    for (const href of hrefs)
        if (!(await page.locator(`footer a[href^="${href}"]`).count())) problems.push(`${what}: no link to ${href}`);
    if (!(await page.locator('footer a[hreflang]').count())) problems.push(`${what}: no language switch`);
}

let axeSource = null;

// axe-core's source (throws when tests/e2e/node_modules lacks it).
export function loadAxe() {
    axeSource ??= fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    return axeSource;
}

// axe-core (WCAG 2.2 A/AA) over the page, evaluated through the DevTools protocol (which the
// page's CSP does not govern): one line per violation. preload: false keeps axe from
// injecting a <style> a strict site CSP refuses.
export async function axeViolations(page, { preload = true } = {}) {
    loadAxe();
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
    const opts = { runOnly: { type: 'tag', values: AXE_TAGS }, resultTypes: ['violations'] };
    if (!preload) opts.preload = false;
    const res = await page.evaluate((o) => window.axe.run(document, o), opts);
    return res.violations.map((v) =>
        `axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// axe-core (WCAG 2.2 A/AA: 0 violations), then the public stylesheet's promises (issue 13 A),
// at 320, 390 and 1280 px: nothing wider than the screen, every control at least 24 x 24 px,
// fields with 16 px text, the system font; and a screenshot of each width into e2e-shots/
// beside the binary (with topShot, the first screenful at 1280 px too: the README's pictures).
export async function checkLayout(page, what, problems, { topShot = false } = {}) {
    for (const v of await axeViolations(page)) problems.push(`${what}: ${v}`);
    const shots = path.join(path.dirname(run.rekisteri), 'e2e-shots');
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
        if (topShot && width === 1280) // the first screenful too, as a reader sees it
            await page.screenshot({ path: path.join(shots, `${name}-${width}-top.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
}

export async function heading(page, name) {
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor({ state: 'visible' });
}

// Clicks a submit button and waits for the page its form's POST answers with.
export async function submitBy(page, button) {
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
    await button.click();
    const resp = await answered;
    await page.waitForLoadState('load');
    return resp;
}

// ---- Start, run, stop ------------------------------------------------------------------------

// Node, the binaries, Chromium, playwright-core (and axe-core when `axe`): each missing one
// named with how to get it. Returns playwright-core's chromium.
export async function preflight({ sink = false, axe = false } = {}) {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 20) fail(`node ${process.version} is too old: playwright-core needs node >= 20`);
    for (const [what, file] of [['rekisteri', run.rekisteri], ...(sink ? [['smtp_sink', SMTP_SINK]] : [])])
        if (!fs.existsSync(file)) fail(`${what} not found at ${file}: build first (cmake --build build)`);
    try {
        fs.accessSync(CHROMIUM, fs.constants.X_OK);
    } catch {
        fail(`Chromium not found at ${CHROMIUM}: run scripts/setup as root (it installs Debian's chromium)`);
    }
    try {
        if (axe) loadAxe();
        return (await import('playwright-core')).chromium;
    } catch (e) {
        fail(`playwright-core${axe ? ' or axe-core' : ''} is not installed in tests/e2e/node_modules (${e.code || e.message}): run scripts/setup`);
    }
}

function moduleVersion(name) {
    return JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
}

// Headless Chromium into run.browser (--no-sandbox: Chromium's sandbox refuses to run as
// root), and a line with the versions (`also`: more text for it).
export async function launchChromium(chromium, { args = [], axe = false, also = '' } = {}) {
    run.browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', ...args],
        timeout: run.stepTimeoutMs,
    });
    log(`     Chromium ${run.browser.version()}, playwright-core ${moduleVersion('playwright-core')}` +
        `${axe ? `, axe-core ${moduleVersion('axe-core')}` : ''}, node ${process.version}${also}`);
    return run.browser;
}

let cleaning = null;
function cleanup() {
    cleaning ??= (async () => {
        if (run.browser) await Promise.race([run.browser.close().catch(() => {}), sleep(5000)]);
        await Promise.all(run.children.map(stop));
        for (const c of run.closers) await c();
        if (run.tmp) fs.rmSync(run.tmp, { recursive: true, force: true });
    })();
    return cleaning;
}

// Runs main() under the global timeout (run.globalTimeoutMs) and SIGINT/SIGTERM, cleans up
// in `finally`, prints the server log's last lines if anything failed, the time and
// "N passed, M failed", and exits 0 only when nothing failed.
export async function runTest(main) {
    const watchdog = setTimeout(async () => {
        log(`FAIL the whole test took longer than ${run.globalTimeoutMs / 1000} s`);
        await cleanup();
        process.exit(1);
    }, run.globalTimeoutMs);
    for (const sig of ['SIGINT', 'SIGTERM'])
        process.on(sig, async () => {
            log(`FAIL stopped by ${sig}`);
            await cleanup();
            process.exit(1);
        });
    try {
        await main();
    } catch (e) {
        if (!(e instanceof Failure)) {
            run.failed++;
            log(`FAIL ${e.stack || e}`);
        } else if (!e.message.startsWith('step failed')) {
            run.failed++;
            log(`FAIL ${e.message}`);
        }
    } finally {
        if (run.failed && run.serverErr) log(`server log (last lines):\n${run.serverErr.split('\n').slice(-10).join('\n')}`);
        await cleanup();
        clearTimeout(watchdog);
    }
    log(`${run.name}: ${((Date.now() - run.t0) / 1000).toFixed(1)} s`);
    log(`${run.passed} passed, ${run.failed} failed`);
    process.exit(run.failed ? 1 : 0);
}
