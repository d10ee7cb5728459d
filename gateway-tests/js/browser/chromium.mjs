// Launches Debian's Chromium (never a browser downloaded by a test tool) through playwright-core, with the flags
// this closed network needs: without the background-networking ones Chromium stalls on refused connections.
// Each launch gets a fresh user-data dir, removed on close.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.PUSHGATE_CHROMIUM || '/usr/bin/chromium';

export const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A persistent context in a fresh profile; call close() on the result. */
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (./test.sh does)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'pushgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
  const close = async () => {
    try { await context.close(); } finally { rmSync(profile, { recursive: true, force: true }); }
  };
  return { context, close };
}
