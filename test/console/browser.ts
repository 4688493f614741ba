import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page, Response } from 'playwright-core';

/** Debian's chromium package (.ci/run installs it); Playwright's own browser download is not used. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of each journey's last step: test output, never committed. */
export const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS ?? '/tmp/pi-ledger-console-screens';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  // the people the specs play ask for reduced motion, so the console's drawers and menus appear in place: one still sliding
  // in on a loaded machine moved under a click, which then landed beside its option
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext({ reducedMotion: 'reduce', ...options });
  return browser;
}

/** A page that remembers every console error, uncaught exception and CSP violation, for a spec to assert none. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // a refused request names its path (never a host or port that differ per run): which read the page should not have made
    const resource = message.text().startsWith('Failed to load resource') ? new URL(message.location().url).pathname : undefined;
    problems.push(`console: ${message.text()}${resource ? ` at ${resource}` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
  // a string, run in the page: CSP violations reach the console, where the listener above hears them
  await page.addInitScript("document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));");
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Answers the purpose picker a page that reads personal data shows first. */
export async function choosePurpose(page: Page, name: string): Promise<void> {
  await page.getByText('请选择本次工作的处理目的').waitFor();
  await page.getByRole('radio', { name: new RegExp(name) }).check();
  await page.getByRole('button', { name: '以此目的继续' }).click();
}

/** An option of the Ant Design Select opened last: a closed one's list stays in the page (fading out, then hidden), and each new one is appended after it. */
export function selectOption(page: Page, title: string): Locator {
  return page.locator('.ant-select-dropdown').last().getByTitle(title, { exact: true });
}

/** Types a date into an Ant Design date input and takes it. */
export async function typeDate(input: Locator, date: string): Promise<void> {
  await input.click();
  await input.fill(date);
  await input.press('Enter');
}

/** An answer of the API to this page (a method and a path pattern): waited for, never slept for. */
export function answered(page: Page, method: string, path: RegExp): Promise<Response> {
  return page.waitForResponse((response) => response.request().method() === method && path.test(new URL(response.url()).pathname));
}
