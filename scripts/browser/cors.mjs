// Calls the API from pages on other origins in headless Chromium: a page
// on an allowed origin creates a project and reads the request id header;
// a page on another origin is stopped by the browser. Each page is served
// by a small server of its own on a localhost port, as a development
// server's would be (a page Chromium cannot place on a local address may
// not call one at all: Private Network Access).
// Usage: node cors.mjs http://127.0.0.1:PORT TOKEN ALLOWED_PORT DENIED_PORT
import http from 'node:http';
import { chromium } from 'playwright-core';

const [base, token, allowedPort, deniedPort] = process.argv.slice(2);
const allowed = `http://localhost:${allowedPort}`;
const denied = `http://localhost:${deniedPort}`;
const pages = [allowedPort, deniedPort].map((port) => {
  const server = http.createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>app</title>');
  });
  server.listen(Number(port), '127.0.0.1');
  return server;
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});

/// Opens the page at `origin` and runs fetch from it.
async function callFrom(origin) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  return page.evaluate(async ({ base, token }) => {
    try {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'Authorization': `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': `cors-${Math.random()}`,
        },
        body: JSON.stringify({
          query: 'mutation { createProject(input: { name: "From the browser" }) { project { slug } } }',
        }),
      });
      return {
        status: response.status,
        requestId: response.headers.get('x-request-id'),
        body: await response.json(),
      };
    } catch (err) {
      return { failed: String(err) };
    }
  }, { base, token });
}

try {
  const ok = await callFrom(allowed);
  if (ok.status !== 200 || !ok.body?.data?.createProject?.project?.slug) {
    throw new Error(`the allowed origin's call failed: ${JSON.stringify(ok)}`);
  }
  if (!ok.requestId) throw new Error('x-request-id is not readable from the page');
  const refused = await callFrom(denied);
  if (!refused.failed) throw new Error(`another origin was let through: ${JSON.stringify(refused)}`);
  console.log(`cors: ok (${allowed} created ${ok.body.data.createProject.project.slug}; ${denied}: ${refused.failed})`);
} finally {
  await browser.close();
  for (const server of pages) server.close();
}
