// Loads passerelle's GraphiQL in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core pinned in package.json), runs the pre-filled example query and saves a screenshot.
// Usage: node playground.mjs http://127.0.0.1:PORT SCREENSHOT.png /usr/bin/chromium
// Prints one JSON object: { requests, foreign, pageErrors, consoleErrors, editor, docExplorer, result }.
// Exit code 1 when a request went to a host other than 127.0.0.1, the page threw, or no result showed.
import { chromium } from 'playwright-core';

const [base, screenshot, executablePath] = process.argv.slice(2);
if (!base || !screenshot || !executablePath) {
  console.error('usage: node playground.mjs http://127.0.0.1:PORT SCREENSHOT.png /path/to/chromium');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const out = { requests: [], foreign: [], pageErrors: [], consoleErrors: [] };
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, locale: 'fr-FR' });
  // Every request the page makes is recorded; any to another host is refused and reported.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    out.requests.push(url.href);
    if (url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1') return route.continue();
    out.foreign.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => out.pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') out.consoleErrors.push(m.text()); });
  await page.goto(base + '/', { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  out.editor = (await page.locator('.graphiql-query-editor').innerText()).slice(0, 300);
  // The documentation explorer is open and shows the schema (loaded by introspection from /graphql).
  await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor({ timeout: 20000 });
  out.docExplorer = (await page.locator('.graphiql-doc-explorer').innerText()).slice(0, 300);
  await page.click('.graphiql-execute-button');
  await page.locator('.result-window').getByText('"M1805"').first().waitFor({ timeout: 20000 });
  await page.waitForTimeout(300);
  out.result = await page.locator('.result-window').innerText();
  await page.screenshot({ path: screenshot });
} catch (e) {
  out.error = String(e);
  failed = true;
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
process.exit(failed || out.foreign.length || out.pageErrors.length ? 1 : 0);
