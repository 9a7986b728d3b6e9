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
// Shares newcomer.mjs's checks through harness.mjs.
//
// Environment (CTest sets the first three): REKISTERI, SMTP_SINK, RK_SOURCE_DIR;
// CHROMIUM (default /usr/bin/chromium). Run alone:
//   node tests/e2e/answers.mjs            (after a build in build/)
import {
    CHROMIUM, SRC, checkAccessibleNames, checkFooterLinks, checkLayout, cli, configure, fail, heading,
    launchChromium, linkIn, nextMail, openPublicTab as openTab, preflight, run, runTest, sleep, startServeWithMail,
    step, submitBy,
} from './harness.mjs';

// The declaration's mail limit (min_interval: 1s, in the declaration below) spaces the mails
// one address is sent on anyone's say-so (verification links, answer codes): a test that asks
// for the next within the second is rightly refused (429), so each waits out the interval.
let limitedMailAt = 0;
async function spaceLimitedMail() {
    await sleep(Math.max(0, limitedMailAt + 1100 - Date.now()));
}
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const EXAMPLE = path.join(SRC, 'examples', 'smartum', 'declaration.yaml');
configure({ name: 'browser_answers', globalTimeoutMs: 90_000, stepTimeoutMs: 10_000 });

// ---- The browser ---------------------------------------------------------------------------

// The page as assistive technology sees it (a language, a title, one h1, a name for every
// control and link), no dead ends, and (with JavaScript) axe and the layout.
async function checkPage(tab, what) {
    const { page, problems } = tab;
    await checkAccessibleNames(tab, what);
    if (what !== 'privacy notice') // no dead ends: the notice, the request form, the other language
        await checkFooterLinks(page, what, problems, ['/privacy?lang=', '/requests?lang=']);
    if (page.context().rkJavaScript !== false) await checkLayout(page, what, problems);
    if (problems.length) fail(`${what}:\n  ${problems.join('\n  ')}`);
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
    const context = await run.browser.newContext({ locale: 'fi-FI', javaScriptEnabled: true, acceptDownloads: true });
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
            limitedMailAt = Date.now();
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
            await spaceLimitedMail();
            const r = await submitBy(page, page.getByRole('button', { name: 'Lähetä koodi sähköpostiini', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Koodi lähetetty');
            await checkPage(tab, 'code sent page');
            limitedMailAt = Date.now();
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
    const context = await run.browser.newContext({ locale: 'en-GB', javaScriptEnabled: false, acceptDownloads: true });
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
            await spaceLimitedMail();
            const r = await submitBy(page, page.getByRole('button', { name: 'Email me a code', exact: true }));
            if (r.status() !== 200) fail(`HTTP ${r.status()}`);
            await heading(page, 'Code sent');
            limitedMailAt = Date.now();
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
async function main() {
    const chromium = await preflight({ sink: true });
    run.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-e2e-answers-'));
    process.env.TMPDIR = run.tmp; // Chromium's profile lands in the temp dir too
    // The example verifies in person only; this copy also allows email_code, and lets the code
    // follow the receipt within seconds (the mail limit's interval is 10 minutes by default).
    run.declaration = path.join(run.tmp, 'declaration.yaml');
    fs.writeFileSync(run.declaration, fs.readFileSync(EXAMPLE, 'utf8')
        .replace(/^  verification: \[in_person\]$/m, '  verification: [in_person, email_code]')
        + 'mail_limits:\n  min_interval: 1s\n  per_day: 20\n');
    let base;
    await step('start smtp_sink and rekisteri serve on 127.0.0.1', async () => {
        base = await startServeWithMail();
        await cli('person', 'add', '--register', 'customer', '--purpose', 'customer_relationship',
                  '--source', 'web_form', '--name', PERSON.name, '--email', PERSON.email);
        DP = (await cli('token', 'create', '--name', 'dp', '--role', 'dpo')).trim();
    });
    await step(`launch headless Chromium (${CHROMIUM})`, async () => {
        await launchChromium(chromium);
    });
    await answers(base);
    await withoutScript(base);
    await step('the server logged no personal data', async () => {
        if (/example\.fi|Asiakas/i.test(run.serverErr)) fail('personal data in the server log');
    });
}

await runTest(main);
