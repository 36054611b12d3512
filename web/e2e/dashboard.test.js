// The dashboard in Debian's Chromium against a real server filled with
// `unmogrowp gen` data: sign in and out, create an app, every page renders
// without console errors at 1280 and 390 px, and the numbers shown on
// Overview and Attribution equal the API's answers. Screenshots of every page
// go to web/test-output/screenshots/, Overview's first-load time to
// web/test-output/timings.json (docs/benchmarks.md records it).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_TOKEN,
  OUTPUT_DIR,
  Server,
  lastDays,
  launchBrowser,
  loadGeneratedEvents,
  makeTempDir,
  parseShown,
  removeDir,
  watchConsole,
} from './harness.js';

const SHOTS = join(OUTPUT_DIR, 'screenshots');
const DAYS = 90;

let dir;
let server;
let app; // the app filled with generated data
let browser;
let deviceId; // a device of `app` with an attributed install
const timings = {};

// A device whose install was won by a touchpoint (from the raw export).
async function attributedDevice() {
  const r = await server.api(`/v1/apps/${app.id}/events/export?format=ndjson`);
  for (const line of r.text.split('\n')) {
    if (!line.includes('"install"')) continue;
    const event = JSON.parse(line);
    const device = await server.apiJson(
      `/v1/apps/${app.id}/devices/${encodeURIComponent(event.device_id)}`,
    );
    if (device.install && device.install.match !== 'organic') return event.device_id;
  }
  throw new Error('no attributed install in the generated data');
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// A page of a signed-in browser (the token is put where the sign-in page keeps it).
async function signedInPage(context) {
  await context.addInitScript((token) => {
    localStorage.setItem('unmogrowp.token', token);
  }, ADMIN_TOKEN);
  const page = await context.newPage();
  return { page, errors: watchConsole(page) };
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = makeTempDir();
  server = await Server.start(dir);
  const created = await server.apiJson('/v1/apps', {
    method: 'POST',
    body: { name: 'E2E Game', platform: 'android' },
  });
  app = created;
  const { summary } = loadGeneratedEvents(server, dir, created.api_key, {
    days: DAYS,
    devices: 20000,
    seed: 7,
  });
  assert.ok(summary.acknowledged > 50_000, `loaded ${JSON.stringify(summary)}`);
  await server.caughtUp();
  deviceId = await attributedDevice();
  browser = await launchBrowser(dir, 1280);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  writeFileSync(join(OUTPUT_DIR, 'timings.json'), JSON.stringify(timings, null, 2) + '\n');
  if (dir) removeDir(dir);
});

describe('dashboard', () => {
  test('serves the app shell with cache headers and compression', async () => {
    const index = await fetch(server.url + '/', { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.equal(index.headers.get('content-encoding'), 'br');
    const html = await index.text();
    const asset = /\/_app\/immutable\/[^"]+\.js/.exec(html)?.[0];
    assert.ok(asset, 'index.html links a hashed script');
    const js = await fetch(server.url + asset, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control'), /immutable/);
    assert.equal(js.headers.get('content-encoding'), 'gzip');
    // A client-side route loads the shell; the API keeps answering JSON.
    const route = await fetch(server.url + `/apps/${app.id}/overview`);
    assert.equal(route.status, 200);
    assert.match(route.headers.get('content-type'), /text\/html/);
    const api404 = await fetch(server.url + '/v1/nope');
    assert.equal(api404.status, 404);
    assert.match(api404.headers.get('content-type'), /application\/json/);
  });

  test('sign in rejects a wrong token, accepts the admin token, and signs out', async () => {
    const context = await launchBrowser(dir, 1280);
    try {
      const page = await context.newPage();
      const errors = watchConsole(page);
      await page.goto(server.url + '/');
      await page.waitForURL(/\/login/);
      await shot(page, 'login-1280');
      await page.fill('input[name=token]', 'wrong-token');
      await page.click('button[type=submit]');
      await page.getByText('That token is not valid.').waitFor();
      await page.fill('input[name=token]', ADMIN_TOKEN);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/apps$/);
      await page.getByRole('link', { name: 'E2E Game' }).waitFor();
      await shot(page, 'apps-1280');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login/);
      assert.equal(await page.evaluate(() => localStorage.getItem('unmogrowp.token')), null);
      // The wrong token's 401 is the only expected console message.
      assert.deepEqual(
        errors.filter((e) => !/status of 401/.test(e)),
        [],
      );
    } finally {
      await context.close();
    }
  });

  test('creates an app and shows its API key once, and the key works', async () => {
    const { page, errors } = await signedInPage(browser);
    await page.goto(server.url + '/apps');
    await page.getByRole('button', { name: 'New app' }).click();
    await page.fill('[data-testid=create-app] input[name=name]', 'Browser-made app');
    await page.selectOption('[data-testid=create-app] select[name=platform]', 'ios');
    await page.click('[data-testid=create-app] button[type=submit]');
    const key = await page.locator('[data-testid=new-key] input').inputValue();
    assert.match(key, /^umk_/);
    await shot(page, 'app-created-1280');
    const apps = (await server.apiJson('/v1/apps')).apps;
    const made = apps.find((a) => a.name === 'Browser-made app');
    assert.ok(made, 'the app exists in the API');
    assert.equal(made.platform, 'ios');
    const sent = await fetch(server.url + '/v1/events', {
      method: 'POST',
      headers: { 'X-Api-Key': key },
      body: JSON.stringify({ event_type: 'open', timestamp: Date.now(), device_id: 'e2e-1' }),
    });
    assert.equal(sent.status, 202);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('Overview first load is timed, and it shows the API totals for 90 days', async () => {
    // Three first visits, each in a fresh browser (nothing cached). Times are
    // the page's own, from navigation start (performance.now()) to the moment
    // the totals are in the DOM, and to the first chart drawn; recorded
    // (docs/benchmarks.md), not asserted: a timing depends on the machine's
    // load (rule 4 of the project).
    const range = lastDays(DAYS);
    const cards = ['events', 'installs', 'revenue', 'unique-devices'];
    const runs = [];
    let shown = {};
    for (let run = 0; run < 3; run++) {
      const context = await launchBrowser(dir, 1280);
      try {
        await context.addInitScript(() => {
          const marks = {};
          window.__firstLoad = marks;
          const observer = new MutationObserver(() => {
            const now = performance.now();
            if (
              !marks.totals &&
              document.querySelector('[data-testid=total-events] [data-testid=value]')
            ) {
              marks.totals = now;
            }
            if (!marks.chart && document.querySelector('[data-testid=chart][data-rendered]')) {
              marks.chart = now;
            }
          });
          document.addEventListener('DOMContentLoaded', () =>
            observer.observe(document.body, { childList: true, subtree: true, attributes: true }),
          );
        });
        const { page, errors } = await signedInPage(context);
        const started = Date.now();
        await page.goto(server.url + `/apps/${app.id}/overview?period=90d`);
        for (const card of cards) {
          await page.locator(`[data-testid=total-${card}] [data-testid=value]`).waitFor();
        }
        await page.locator('[data-testid=chart][data-rendered]').first().waitFor();
        const wall = Date.now() - started;
        const marks = await page.evaluate(() => window.__firstLoad);
        runs.push({ totals_ms: marks.totals, chart_ms: marks.chart, playwright_wall_ms: wall });
        for (const card of cards) {
          shown[card] = parseShown(
            await page.locator(`[data-testid=total-${card}] [data-testid=value]`).innerText(),
          );
        }
        if (run === 0) await shot(page, 'overview-1280');
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    }
    const median = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[1];
    timings.overview_first_load = {
      runs,
      median_totals_ms: Math.round(median('totals_ms')),
      median_chart_ms: Math.round(median('chart_ms')),
      median_playwright_wall_ms: median('playwright_wall_ms'),
    };
    process.stdout.write(
      `Overview first load (median of 3): totals ${timings.overview_first_load.median_totals_ms} ms, ` +
        `first chart ${timings.overview_first_load.median_chart_ms} ms after navigation start\n`,
    );

    const stats = await server.apiJson(
      `/v1/apps/${app.id}/stats?from=${range.from}&to=${range.to}`,
    );
    assert.ok(stats.totals.events > 50_000);
    assert.equal(shown.events, stats.totals.events);
    assert.equal(shown.installs, stats.totals.installs);
    assert.equal(shown['unique-devices'], stats.totals.unique_devices);
    assert.ok(Math.abs(shown.revenue - stats.totals.revenue) < 0.006, `revenue ${shown.revenue}`);
  });

  test('Attribution shows the API installs by channel and the MTA credits', async () => {
    const { page, errors } = await signedInPage(browser);
    const range = lastDays(DAYS);
    await page.goto(server.url + `/apps/${app.id}/attribution?period=90d`);
    await page.locator('[data-testid=installs-row]').first().waitFor();
    const installs = await server.apiJson(
      `/v1/apps/${app.id}/attribution/installs?from=${range.from}&to=${range.to}&group_by=source`,
    );
    assert.ok(installs.rows.length > 0);
    for (const row of installs.rows) {
      const tr = page.locator(`[data-testid=installs-row][data-channel="${row.channel}"]`);
      for (const col of ['installs', 'deterministic', 'probabilistic']) {
        assert.equal(
          parseShown(await tr.locator(`[data-col=${col}]`).innerText()),
          row[col],
          `${row.channel} ${col}`,
        );
      }
      const revenue = parseShown(await tr.locator('[data-col=revenue]').innerText());
      assert.ok(Math.abs(revenue - row.revenue) < 0.006, `${row.channel} revenue ${revenue}`);
    }
    const organic = page.locator('[data-testid=installs-row][data-channel="(organic)"]');
    assert.equal(
      parseShown(await organic.locator('[data-col=installs]').innerText()),
      installs.organic,
    );

    // Multi-touch: the default model's table equals the API.
    await page.locator('[data-testid=mta-row]').first().waitFor();
    const model = await page.locator('[data-testid=mta-model-select]').inputValue();
    const mta = await server.apiJson(
      `/v1/apps/${app.id}/attribution/mta?from=${range.from}&to=${range.to}&model=${model}` +
        '&conversion=install&group_by=source',
    );
    for (const row of mta.rows) {
      const tr = page.locator(`[data-testid=mta-row][data-channel="${row.channel}"]`);
      const conversions = parseShown(await tr.locator('[data-col=conversions]').innerText());
      assert.ok(Math.abs(conversions - row.conversions) < 0.006, `${row.channel} ${conversions}`);
    }
    // Another model: the table follows the selector.
    await page.selectOption('[data-testid=mta-model-select]', 'shapley');
    const shapley = await server.apiJson(
      `/v1/apps/${app.id}/attribution/mta?from=${range.from}&to=${range.to}&model=shapley` +
        '&conversion=install&group_by=source',
    );
    const top = shapley.rows[0];
    await page.waitForFunction(
      ([channel, value]) => {
        const cell = document.querySelector(
          `[data-testid=mta-row][data-channel="${channel}"] [data-col=conversions]`,
        );
        return cell && Math.abs(Number(cell.textContent.replace(/,/g, '')) - value) < 0.006;
      },
      [top.channel, top.conversions],
    );
    await page.locator('[data-testid=mta-compare] canvas').waitFor();
    await shot(page, 'attribution-1280');
    assert.deepEqual(errors, []);
    await page.close();
  });

  for (const width of [1280, 390]) {
    test(`every page renders without console errors at ${width} px`, async () => {
      const context = await launchBrowser(dir, width);
      try {
        const { page, errors } = await signedInPage(context);
        const pages = [
          ['apps', '/apps', '[data-testid=apps-table]'],
          ['overview', `/apps/${app.id}/overview?period=30d`, '[data-testid=total-events]'],
          ['attribution', `/apps/${app.id}/attribution`, '[data-testid=installs-table]'],
          ['cohorts', `/apps/${app.id}/cohorts`, '[data-testid=cohort-heatmap] canvas'],
          [
            'device',
            `/apps/${app.id}/devices?device=${encodeURIComponent(deviceId)}`,
            '[data-testid=timeline-event]',
          ],
          ['live', `/apps/${app.id}/live`, '[data-testid=live-eps]'],
          ['settings', `/apps/${app.id}/settings`, '[data-testid=settings-form]'],
        ];
        for (const [name, path, ready] of pages) {
          await page.goto(server.url + path);
          await page.locator(ready).first().waitFor();
          // No page may be wider than the screen (tables scroll inside).
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          assert.ok(overflow <= 1, `${name} is ${overflow} px wider than ${width} px`);
          await shot(page, `${name}-${width}`);
        }
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  }

  test('Device lookup shows the install attribution and the journey', async () => {
    const { page, errors } = await signedInPage(browser);
    const device = await server.apiJson(
      `/v1/apps/${app.id}/devices/${encodeURIComponent(deviceId)}`,
    );
    await page.goto(server.url + `/apps/${app.id}/devices`);
    await page.fill('[data-testid=device-search]', deviceId);
    await page.press('[data-testid=device-search]', 'Enter');
    await page.locator('[data-testid=timeline-event]').first().waitFor();
    assert.equal(
      await page.locator('[data-testid=timeline-event]').count(),
      Math.min(device.events.length, 200),
    );
    const install = await page.locator('[data-testid=device-install]').innerText();
    assert.ok(install.includes(device.install.channel), install);
    // An unknown device is an empty state, not an error.
    await page.fill('[data-testid=device-search]', 'no-such-device');
    await page.press('[data-testid=device-search]', 'Enter');
    await page.locator('[data-testid=empty-state]').waitFor();
    assert.deepEqual(
      errors.filter((e) => !/status of 404/.test(e)),
      [],
    );
    await page.close();
  });

  test('Live shows events per second as they arrive', async () => {
    const { page, errors } = await signedInPage(browser);
    await page.goto(server.url + `/apps/${app.id}/live`);
    await page.locator('[data-testid=live-eps]').waitFor();
    // Send batches of 20 events back to back until the page shows a rate.
    let sending = true;
    const sender = (async () => {
      let n = 0;
      while (sending) {
        const batch = Array.from({ length: 20 }, () => ({
          event_type: 'open',
          timestamp: Date.now(),
          device_id: `live-${n++ % 50}`,
        }));
        const r = await fetch(server.url + '/v1/events/batch', {
          method: 'POST',
          headers: { 'X-Api-Key': app.api_key },
          body: JSON.stringify(batch),
        });
        assert.equal(r.status, 202);
        await r.arrayBuffer();
      }
    })();
    try {
      await page.waitForFunction(
        () => {
          const text = document.querySelector('[data-testid=live-eps]')?.textContent ?? '';
          return Number(text.replace(/[^0-9.]/g, '')) > 0;
        },
        undefined,
        { timeout: 10_000 },
      );
    } finally {
      sending = false;
      await sender;
    }
    await shot(page, 'live-active-1280');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('demo', () => {
  test('serve --demo makes a demo app the dashboard labels and removes in one click', async () => {
    const demoDir = makeTempDir();
    const demo = await Server.start(demoDir, ['--demo'], { readyLine: /done in/ });
    const context = await launchBrowser(demoDir, 1280);
    try {
      const apps = (await demo.apiJson('/v1/apps')).apps;
      assert.equal(apps.length, 1);
      assert.equal(apps[0].demo, true);
      const { page, errors } = await signedInPage(context);
      await page.goto(demo.url + `/apps/${apps[0].id}/overview?period=90d`);
      await page.locator('[data-testid=demo-banner]').waitFor();
      const events = parseShown(
        await page.locator('[data-testid=total-events] [data-testid=value]').innerText(),
      );
      assert.ok(events > 0, 'the demo app has data');
      await shot(page, 'demo-overview-1280');
      await page.getByRole('button', { name: 'Remove demo app' }).click();
      await page.waitForURL(/\/apps$/);
      assert.deepEqual((await demo.apiJson('/v1/apps')).apps, []);
      assert.equal((await demo.api(`/v1/apps/${apps[0].id}/stats`)).status, 404);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await demo.stop();
      removeDir(demoDir);
    }
  });
});
