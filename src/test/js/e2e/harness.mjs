// What every end-to-end scenario shares: the replicas it was given, a headless Chromium kept off the network,
// screenshots, bounded waits, and requests to the JUnit test that runs it (NodeScript: "@chorus kill r1").
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const TIMEOUT = 30_000;

/** The replicas from CHORUS_REPLICAS ("r1=http://127.0.0.1:8081/,r2=…"), by id: {id, http, ws}. */
export function replicas() {
  const spec = process.env.CHORUS_REPLICAS;
  if (!spec) {
    throw new Error('CHORUS_REPLICAS is not set (e.g. r1=http://127.0.0.1:8081/,r2=http://127.0.0.1:8082/)');
  }
  return Object.fromEntries(spec.split(',').map((pair) => {
    const [id, url] = pair.split('=');
    const http = new URL(url);
    return [id, { id, http: http.toString(), ws: `ws://${http.host}/ws` }];
  }));
}

/**
 * Debian's Chromium, headless, with a fresh profile, and with the switches that keep it off the network: no
 * background requests, component updates, sync, QUIC or first-run tasks. Pages only ever load 127.0.0.1.
 */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'chorus-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHORUS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1100, height: 720 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--no-default-browser-check', '--metrics-recording-only',
      '--disable-domain-reliability', '--disable-client-side-phishing-detection'],
  });
  context.setDefaultTimeout(TIMEOUT);
  await context.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname), (route) => route.abort());
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** A new page (its own tab in the same browser) that logs its console errors and uncaught exceptions. */
export async function newPage(context, name) {
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`[${name}] page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      log(`[${name}] console: ${message.text()}`);
    }
  });
  return page;
}

/** Opens the demo on a replica, logs in and waits until the page is connected and in the room. */
export async function joinDemo(page, { replica, user, room, servers }) {
  const query = new URLSearchParams({ user, room });
  if (servers) {
    query.set('servers', servers.join(','));
  }
  await page.goto(`${replica.http}?${query}`);
  await page.click('#login-submit');
  await page.waitForSelector('#status[data-state="open"]');
  await page.waitForSelector(`#members li[data-user="${user}"]`);
}

/** Types a message into the demo's composer and sends it. */
export async function send(page, text) {
  await page.fill('#composer-text', text);
  await page.press('#composer-text', 'Enter');
}

/** The chat messages (not hellos or system lines) the page shows, in order: {text, from, replica, offset}. */
export function chatMessages(page) {
  return page.$$eval('#messages li.msg:not([data-hello]):not([data-earlier])', (items) => items.map((item) => ({
    text: item.querySelector('.text').textContent,
    from: item.dataset.from,
    replica: item.dataset.replica,
    offset: Number(item.dataset.offset),
  })));
}

/** Waits until the page shows a chat message with this text. */
export function waitForMessage(page, text) {
  return page.waitForFunction((wanted) => [...document.querySelectorAll('#messages li.msg:not([data-earlier]) .text')]
    .some((node) => node.textContent === wanted), text);
}

/** Polls a condition of this process (not of a page) every 20 ms until it holds; fails after TIMEOUT. */
export async function until(condition) {
  const deadline = Date.now() + TIMEOUT;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${TIMEOUT} ms: ${condition}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function screenshot(page, name) {
  const dir = process.env.CHORUS_SCREENSHOTS ?? 'screenshots';
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  log(`screenshot ${path}`);
}

let replies;

/** Asks the JUnit test for something (e.g. "kill r1") and resolves with its one-line answer. */
export function request(what) {
  if (!replies) {
    const lines = createInterface({ input: process.stdin });
    const waiting = [];
    lines.on('line', (line) => waiting.shift()?.(line));
    replies = waiting;
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to "${what}"`)), TIMEOUT);
    replies.push((line) => {
      clearTimeout(timer);
      resolve(line);
    });
    process.stdout.write(`@chorus ${what}\n`);
  });
}

export function log(line) {
  process.stdout.write(`${line}\n`);
}

export function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
}

export function sameList(actual, expected, message) {
  check(JSON.stringify(actual) === JSON.stringify(expected),
    `${message}\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`);
}

/** Runs a scenario: prints "scenario passed" or the failure, exits 0 or 1, and always closes the browser. */
export async function scenario(name, body) {
  const browser = await launchBrowser();
  let failed = false;
  try {
    await body(browser.context);
    log(`scenario passed: ${name}`);
  } catch (error) {
    failed = true;
    log(`scenario FAILED: ${name}\n${error.stack ?? error}`);
    for (const [index, page] of browser.context.pages().entries()) {
      await screenshot(page, `failure-page${index + 1}`).catch(() => {});
    }
  } finally {
    await browser.close().catch(() => {});
  }
  process.exit(failed ? 1 : 0);
}
