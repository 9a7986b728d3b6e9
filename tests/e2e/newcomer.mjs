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
import {
    CHROMIUM, checkAccessibleNames, checkFooterLinks, checkLayout, cli, configure, fail, heading, launchChromium,
    linkIn, nextMail, openPublicTab as openTab, preflight, run, runTest, startServeWithMail, step, submitBy,
} from './harness.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

configure({ name: 'browser_e2e', globalTimeoutMs: 90_000, stepTimeoutMs: 10_000 });

async function inAudience(email) {
    const out = await cli('audience', '--purpose', 'sales_promotion');
    return out.toLowerCase().includes(email.toLowerCase());
}

// ---- The browser ---------------------------------------------------------------------------

// The page as assistive technology sees it (a language, a title, one h1, a name for every
// control and link), the branding, no dead ends, and (with JavaScript) axe and the layout.
async function checkPage(tab, what) {
    const { page, problems } = tab;
    await checkAccessibleNames(tab, what);
    // The declaration's branding (branding: in examples/smartum): the name in the header, the
    // brand stylesheet after public.css, the company's links in the footer.
    if (!/Smartum/.test((await page.locator('body > header .brand').textContent().catch(() => '')) || ''))
        problems.push(`${what}: no header with the company's name`);
    const sheets = await page.locator('link[rel="stylesheet"]').evaluateAll((ls) => ls.map((l) => l.getAttribute('href')));
    if (!/^\/brand\/brand\.[0-9a-f]+\.css$/.test(sheets[sheets.length - 1] || ''))
        problems.push(`${what}: the brand stylesheet is not linked last: ${sheets.join(' ')}`);
    if (!(await page.locator('footer a[href="https://www.smartum.fi"]').count()))
        problems.push(`${what}: no company link in the footer`);
    // no dead ends: the notice, the request form, the preferences, the other language
    await checkFooterLinks(page, what, problems, ['/privacy?lang=', '/requests?lang=', '/preferences?lang=']);
    if (page.context().rkJavaScript !== false) await checkLayout(page, what, problems, { topShot: true });
    if (problems.length) fail(`${what}:\n  ${problems.join('\n  ')}`);
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
    const context = await run.browser.newContext({
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

async function main() {
    const chromium = await preflight({ sink: true });
    run.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-e2e-'));
    process.env.TMPDIR = run.tmp; // Chromium's profile lands in the temp dir too
    let base;
    await step('start smtp_sink and rekisteri serve on 127.0.0.1', async () => {
        base = await startServeWithMail();
    });
    await step(`launch headless Chromium (${CHROMIUM})`, async () => {
        await launchChromium(chromium);
    });
    await newcomer(base, 'fi', { email: 'Maija.Meikalainen@Example.FI', name: 'Maija Meikäläinen' });
    await newcomer(base, 'en', { email: 'new.comer@example.com', name: 'Newcomer Smith' });
    await step('the server logged no personal data', async () => {
        if (/example\.fi|example\.com|Meikäläinen|Smith/i.test(run.serverErr)) fail('personal data in the server log');
    });
}

await runTest(main);
