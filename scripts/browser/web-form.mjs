// Drives examples/web in headless Chromium against a live server: a bad
// submission shows each error under its field (from `extensions.field`),
// a screenshot is saved, then a good one creates the project.
// The page is served by a small server on a localhost port (its origin is
// the one the API allows), as a development server would serve it.
// Usage: node web-form.mjs http://127.0.0.1:PORT TOKEN PAGE_PORT SCREENSHOT
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [api, token, pagePort, screenshot] = process.argv.slice(2);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../examples/web');
const types = { '.html': 'text/html', '.js': 'text/javascript' };
const server = http.createServer((request, response) => {
  const name = new URL(request.url, 'http://localhost').pathname.replace(/^\/$/, '/index.html');
  const file = path.join(root, path.basename(name));
  if (!fs.existsSync(file)) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'text/plain' });
  response.end(fs.readFileSync(file));
});
server.listen(Number(pagePort), '127.0.0.1');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const failures = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  const query = new URLSearchParams({ api, token });
  await page.goto(`http://localhost:${pagePort}/?${query}`);

  // Everything wrong at once: every error lands under its own field.
  await page.fill('#name', '   ');
  await page.fill('#slug', 'Bad Slug!');
  await page.fill('#thumbnailUrl', 'cdn.example.com/a.png');
  await page.fill('#region', 'mars-north-1');
  await page.fill('#runtime', 'python-3.12');
  await page.click('button[type=submit]');
  await page.waitForFunction(() =>
    document.querySelector('[data-error-for="input.slug"]').textContent !== '');
  const shown = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('[data-error-for]')].map((slot) =>
      [slot.dataset.errorFor, slot.textContent])));
  for (const field of ['input.name', 'input.slug', 'input.settings.thumbnailUrl', 'input.deployment.region']) {
    if (!shown[field]) failures.push(`no error shown under ${field}: ${JSON.stringify(shown)}`);
  }
  if (shown['input.description']) failures.push('an error under a valid field');
  const invalid = await page.$$eval('[aria-invalid=true]', (fields) => fields.map((field) => field.id));
  if (invalid.length !== 4) failures.push(`fields marked invalid: ${invalid}`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`errors shown: ${JSON.stringify(shown)}; screenshot ${screenshot}`);

  // Fixed, it goes through and the errors clear.
  await page.fill('#name', 'Web form project');
  await page.fill('#slug', '');
  await page.fill('#thumbnailUrl', 'https://cdn.example.com/a.png');
  await page.fill('#region', '');
  await page.fill('#runtime', '');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#result').textContent !== '');
  const created = await page.textContent('#result');
  if (created !== 'Created web-form-project (ACTIVE).') failures.push(`result: ${created}`);
  const left = await page.$$eval('[data-error-for]', (slots) => slots.filter((slot) => slot.textContent).length);
  if (left) failures.push(`${left} errors still shown`);
  console.log(created);
} finally {
  await browser.close();
  server.close();
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
