// Real Chromium for the browser tests: Debian's `chromium`, driven by
// puppeteer-core (which downloads no browser), and the example's static server.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

/** Where the browser is: `CHROMIUM`, or Debian's. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Without the networking flags, Chromium keeps calling home, and this machine's closed network refuses each call.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Starts headless Chromium; a missing browser fails with how to install it. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM)`);
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export { serve } from '../examples/browser/static-server.js';

/**
 * Runs `use(page, errors)` on a new page, then closes it. `errors` collects
 * every page error, unhandled rejection, console error and failed request.
 */
export async function withPage(browser, use) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && errors.push(`console error: ${message.text()}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  page.on('response', (response) => response.status() >= 400 && errors.push(`HTTP ${response.status()}: ${response.url()}`));
  try {
    return await use(page, errors);
  } finally {
    await page.close();
  }
}

/**
 * Opens a virt bundle page and waits for its exit code. Returns what the
 * guest wrote to stdout (text outside the `.stderr` spans), to stderr, the
 * exit code, and the page's errors (see withPage), which the caller asserts
 * are none. `also` names more elements whose text to return, in `texts`.
 */
export function openBundle(browser, url, { also = [] } = {}) {
  return withPage(browser, async (page, errors) => {
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('exit-code')?.textContent !== '', { timeout: 60000 });
    const { stdout, stderr } = await page.$eval('#stdout', (element) => ({
      stdout: [...element.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(''),
      stderr: [...element.querySelectorAll('.stderr')].map((n) => n.textContent).join(''),
    }));
    const exitCode = await page.$eval('#exit-code', (element) => element.textContent);
    const texts = {};
    for (const id of also) texts[id] = await page.$eval(`#${id}`, (element) => element.textContent);
    return { stdout, stderr, exitCode, errors, texts };
  });
}
