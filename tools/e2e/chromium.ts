import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core: no browser download. When /usr/bin/chromium is missing,
 * the browser tests and the operator benchmark install it with apt-get (root on this machine and in CI),
 * waiting for the dpkg lock if another install runs.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export function ensureChromium(log: (m: string) => void = () => undefined): string {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  log('chromium missing: apt-get install -y chromium');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]): void => {
    const [cmd, ...rest] = [...sudo, ...args];
    execFileSync(cmd ?? 'apt-get', rest, { stdio: 'inherit', env, timeout: 15 * 60_000 });
  };
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  try {
    run(['apt-get', ...lock, 'install', '-y', '--no-install-recommends', 'chromium']);
  } catch {
    // stale package lists on a fresh machine
    run(['apt-get', ...lock, 'update']);
    run(['apt-get', ...lock, 'install', '-y', '--no-install-recommends', 'chromium']);
  }
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(`apt-get install chromium did not provide ${CHROMIUM_PATH}`);
  return CHROMIUM_PATH;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless chromium with a fresh profile, no background traffic, no GPU, no sandbox (root). */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const executablePath = ensureChromium((m) => process.stderr.write(`${m}\n`));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridwerk-chromium-'));
  // a persistent context is how playwright takes an explicit (fresh, throw-away) user-data-dir
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    timezoneId: 'Europe/Berlin',
    locale: 'de-DE',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-dev-shm-usage',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in to the dashboard at `dashboardUrl` as a user of the realm, through Keycloak's own login page
 * (authorization code flow with PKCE), and waits for the grid overview.
 */
export async function signInThroughKeycloak(
  page: Page,
  dashboardUrl: string,
  issuer: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(dashboardUrl);
  await page.getByTestId('sign-in').click();
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
  await page.getByTestId('screen-overview').waitFor({ timeout: 30_000 });
}
