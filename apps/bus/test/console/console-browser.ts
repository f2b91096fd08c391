import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REPO = resolve(__dirname, '../../../..');

/** Builds the console bundle (esbuild, about a second) so the bus under test serves the current sources. */
export function buildConsole(): void {
  execFileSync(process.execPath, [resolve(REPO, 'apps/console-ui/build.mjs')], { cwd: REPO, stdio: 'inherit' });
}

/** Real headless Chromium; fails (never skips) with how to install it when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (.ci/run does), or set CHROMIUM_PATH.`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
}

/** A fresh browser context (its own session storage) signed in to the console with `token`. */
export async function signIn(browser: Browser, busUrl: string, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${busUrl}/console/`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
  return page;
}
