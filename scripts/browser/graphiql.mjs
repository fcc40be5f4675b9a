// Opens GraphiQL in headless Chromium with every request outside the
// server blocked, runs a query from the editor and checks the result.
// Usage: node graphiql.mjs http://127.0.0.1:PORT TOKEN SCREENSHOT.png
import { chromium } from 'playwright-core';

const [base, token, screenshot] = process.argv.slice(2);
const origin = new URL(base).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const blocked = [];
const errors = [];
try {
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  // First visit, no token: introspection (docs, autocomplete) must work
  // and nothing may answer with an error.
  const fresh = await context.newPage();
  const refusals = [];
  fresh.on('pageerror', (err) => errors.push(String(err)));
  fresh.on('response', async (response) => {
    if (!response.url().startsWith(`${base}/graphql`) || response.request().method() !== 'POST') return;
    const body = await response.text().catch(() => '');
    if (response.status() !== 200 || body.includes('"errors"')) refusals.push(`${response.status()} ${body.slice(0, 200)}`);
  });
  await fresh.goto(`${base}/graphql`, { waitUntil: 'networkidle' });
  await fresh.waitForSelector('.graphiql-container', { timeout: 15000 });
  await fresh.waitForLoadState('networkidle');
  const sent = await fresh.evaluate(() => localStorage.getItem('graphiql:headers'));
  if (sent && sent.includes('Bearer')) throw new Error(`GraphiQL pre-fills a token header: ${sent}`);
  const document = await fresh.evaluate(
    () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  if (!document.includes('projects(') || !document.includes('createProject')) {
    throw new Error(`the example lacks a read of projects or the mutation: ${document}`);
  }
  if (refusals.length) throw new Error(`first load without a token got errors: ${refusals.join(' | ')}`);
  await fresh.close();

  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.addInitScript((token) => {
    localStorage.setItem('graphiql:headers', JSON.stringify({ Authorization: `Bearer ${token}` }));
  }, token);
  await page.goto(`${base}/graphql`, { waitUntil: 'networkidle' });
  await page.waitForSelector('.graphiql-container', { timeout: 15000 });
  // Replace the default document with one query and run it.
  const query = '{ viewer { email } regions { code } }';
  await page.evaluate((query) => {
    const editor = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
    editor.setValue(query);
  }, query);
  // The schema is fetched on load; run once GraphiQL has settled.
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500);
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response')?.innerText.includes('ap-southeast-1'),
    null,
    { timeout: 15000 },
  );
  const response = await page.innerText('.graphiql-response');
  if (screenshot) await page.screenshot({ path: screenshot });
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  if (!response.includes('"email"')) throw new Error(`no viewer in the response: ${response}`);
  console.log(`graphiql: ok (external requests blocked: ${blocked.length}; response ${response.length} chars)`);
} catch (err) {
  const page = browser.contexts()[0]?.pages()[0];
  if (page && screenshot) await page.screenshot({ path: screenshot });
  console.error(`graphiql: FAILED; page errors: ${errors.join('; ') || 'none'}; blocked: ${blocked.join(', ') || 'none'}`);
  throw err;
} finally {
  await browser.close();
}
