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
