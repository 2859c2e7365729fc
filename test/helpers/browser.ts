/**
 * A headless Chromium for the browser tests, found without a system install:
 *  1. CHROMIUM_PATH, when set (it must exist);
 *  2. else Debian's /usr/bin/chromium, when present;
 *  3. else the headless Chromium shipped inside the @sparticuz/chromium devDependency, unpacked on
 *     first use into the OS temp folder (`executablePath()` reuses it from there afterwards).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for every binary: headless, no sandbox (tests run as root), no network of its own. */
const COMMON_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * @sparticuz/chromium's flags (made for AWS Lambda) that do not fit here: --single-process exits
 * the whole browser when a test closes its page; --disable-web-security and
 * --allow-running-insecure-content would make the browser laxer than a user's; --headless is
 * already in COMMON_ARGS.
 */
const DROPPED_SPARTICUZ_ARGS = [/^--single-process$/, /^--disable-web-security$/, /^--allow-running-insecure-content$/, /^--headless/];

export interface ChromiumBinary {
  readonly executablePath: string;
  readonly args: readonly string[];
  /** Where it came from, for error messages and logs. */
  readonly source: 'CHROMIUM_PATH' | typeof SYSTEM_CHROMIUM | '@sparticuz/chromium';
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is ${fromEnv}, which does not exist`);
    return { executablePath: fromEnv, args: COMMON_ARGS, source: 'CHROMIUM_PATH' };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, args: COMMON_ARGS, source: SYSTEM_CHROMIUM };
  const { default: packaged } = await import('@sparticuz/chromium');
  const executablePath = await packaged.executablePath();
  const args = packaged.args.filter((a) => !DROPPED_SPARTICUZ_ARGS.some((re) => re.test(a)));
  return { executablePath, args: [...new Set([...args, ...COMMON_ARGS])], source: '@sparticuz/chromium' };
}

/** Launches playwright-core's chromium on the binary `findChromium` picks. */
export async function launchChromium(): Promise<Browser> {
  const binary = await findChromium();
  try {
    return await chromium.launch({ executablePath: binary.executablePath, args: [...binary.args] });
  } catch (e) {
    throw new Error(`could not launch Chromium from ${binary.source} (${binary.executablePath}): ${(e as Error).message}`, { cause: e });
  }
}
