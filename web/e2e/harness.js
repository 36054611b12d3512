// End-to-end test harness: starts the real `unmogrowp serve` (release build)
// on a free loopback port with a fresh data dir, fills it with
// `unmogrowp gen` data through `unmogrowp load`, and launches Debian's
// Chromium through playwright-core with a fresh profile. Everything is
// stopped and removed by `stop()`.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = resolve(here, '..');
export const OUTPUT_DIR = join(WEB_DIR, 'test-output');
export const BINARY =
  process.env.UNMOGROWP_BINARY ?? resolve(WEB_DIR, '../build/release/src/cli/unmogrowp');
export const ADMIN_TOKEN = 'e2e-admin-token';
export const CHROMIUM = process.env.UNMOGROWP_CHROMIUM ?? '/usr/bin/chromium';

// The flags this machine's Chromium needs: no sandbox (root), no GPU, and no
// background connections to Google (the network is closed).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Bounded wait for an async predicate (the server's pipeline catching up).
export async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class Server {
  constructor(proc, url, dir) {
    this.proc = proc;
    this.url = url;
    this.dir = dir;
  }

  // Starts the server; `extraArgs` go to `unmogrowp serve`. Resolves once it
  // listens, or, with `readyLine`, once it has printed a line matching it
  // (`--demo` prints one when the demo app is filled).
  static async start(dir, extraArgs = [], { readyLine = null, timeoutMs = 300_000 } = {}) {
    const proc = spawn(
      BINARY,
      [
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--data-dir',
        join(dir, 'data'),
        '--admin-token',
        ADMIN_TOKEN,
        '--web-dir',
        join(WEB_DIR, 'build'),
        '--log-level',
        'warn',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: proc.stdout });
    const url = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server not ready in ${timeoutMs} ms`)),
        timeoutMs,
      );
      proc.on('exit', (code) =>
        reject(new Error(`server exited with ${code} before it was ready`)),
      );
      let listening = null;
      lines.on('line', (line) => {
        process.stdout.write(`[server] ${line}\n`);
        const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
        if (m) listening = `http://127.0.0.1:${m[1]}`;
        if (listening && (readyLine === null || readyLine.test(line))) {
          clearTimeout(timer);
          resolveUrl(listening);
        }
      });
    });
    return new Server(proc, url, dir);
  }

  async api(path, { method = 'GET', body, headers = {} } = {}) {
    const response = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (static files)
    }
    return { status: response.status, json, text, headers: response.headers };
  }

  async apiJson(path, options) {
    const r = await this.api(path, options);
    if (r.status < 200 || r.status >= 300) {
      throw new Error(`${options?.method ?? 'GET'} ${path} answered ${r.status}: ${r.text}`);
    }
    return r.json;
  }

  // Resolves once the pipeline has applied everything durable.
  async caughtUp(timeoutMs = 120_000) {
    await waitFor(
      async () => {
        const p = (await this.api('/v1/pipeline')).json;
        return (
          p && p.status === 'ok' && p.lag_bytes === 0 && p.committed_offset === p.durable_offset
        );
      },
      timeoutMs,
      'the pipeline to catch up',
    );
  }

  async stop() {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.on('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }
}

// `unmogrowp gen` then `unmogrowp load` into `appKey`'s app.
export function loadGeneratedEvents(server, dir, appKey, { days, devices, seed }) {
  const events = join(dir, 'events.ndjson');
  execFileSync(BINARY, [
    'gen',
    '--days',
    String(days),
    '--devices',
    String(devices),
    '--seed',
    String(seed),
    '--duplicates',
    '0.02',
    '--out',
    events,
  ]);
  const summary = execFileSync(BINARY, [
    'load',
    '--url',
    server.url,
    '--api-key',
    appKey,
    '--input',
    events,
    '--duration',
    '0',
    '--json',
  ]).toString();
  return { events, summary: JSON.parse(summary.trim().split('\n').pop()) };
}

export function makeTempDir() {
  return mkdtempSync(join(tmpdir(), 'unmogrowp-e2e-'));
}

export function removeDir(dir) {
  if (process.env.UNMOGROWP_KEEP_TMP) {
    process.stdout.write(`kept ${dir}\n`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

// A Chromium with a fresh profile in `dir`; `width` × 900 viewport.
export async function launchBrowser(dir, width = 1280) {
  const profile = join(dir, `profile-${width}-${Date.now()}`);
  mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height: 900 },
  });
}

// Records console errors and page errors of `page`. `allow` filters expected
// ones (e.g. the 401 a wrong token produces).
export function watchConsole(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      errors.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

// "1,234" -> 1234; "6,629.98" -> 6629.98.
export function parseShown(text) {
  const cleaned = text.replace(/[,\s≈~]/g, '');
  const value = Number(cleaned);
  if (!Number.isFinite(value)) throw new Error(`not a number on screen: ${JSON.stringify(text)}`);
  return value;
}

// The last `days` days ending today, UTC, as the dashboard's presets compute them.
export function lastDays(days, now = Date.now()) {
  const day = 86_400_000;
  const today = Math.floor(now / day) * day;
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(today - (days - 1) * day), to: iso(today) };
}
