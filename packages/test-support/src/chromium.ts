// Debian's Chromium as the browser suites run it (site/test/browser, packages/web/browser).
// Nothing here downloads a browser or imports one: each suite launches playwright-core's
// `chromium` with these options.
import { existsSync } from 'node:fs';

/** Debian's package; elsewhere (a GitHub runner's Chrome, say) set CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Throws, saying how to install it, unless Chromium is at CHROMIUM. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install Debian's package: apt-get install -y chromium`,
    );
  }
}

/** Launch options: headless, no sandbox (containers), no traffic of its own; `extraArgs` added. */
export function chromiumOptions(extraArgs: string[] = []) {
  return {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  };
}
