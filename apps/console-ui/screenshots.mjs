// Screenshots of the console for the README, taken with Chromium against a running bus (e.g. `DEMO_BUS_PORT=3917 npm run demo -- --keep`):
//   node apps/console-ui/screenshots.mjs http://127.0.0.1:3917 demo-admin-token docs
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const [url = 'http://127.0.0.1:3917', token = 'demo-admin-token', out = 'docs', type = 'conference.booked'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 })).newPage();
  await page.goto(`${url}/console/`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('#destinations tbody tr');
  await page.screenshot({ path: join(out, 'console-overview.png'), fullPage: true });
  await page.goto(`${url}/console/#/messages?type=${encodeURIComponent(type)}`);
  await page.click('#messages tbody tr');
  await page.waitForSelector('#hops li');
  await page.waitForTimeout(500); // the related messages load after the journey
  await page.screenshot({ path: join(out, 'console-message.png'), fullPage: true });
} finally {
  await browser.close();
}
