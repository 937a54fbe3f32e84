import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { D1Error } from '../libs/client/src';
import { useD1, waitFor } from './support/d1';
import { TestBrowser, collectProblems, ensurePageBuilt, launchBrowser } from './support/browser';
import { cellOf, focusEditorEnd, openNotebook, pageVersion, shownSource, showNotebook } from './support/page';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('the page: live notebooks in a real browser', () => {
  beforeAll(() => ensurePageBuilt());
  const d1 = useD1();
  let browser: TestBrowser;
  let token: string;
  const pages: Page[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    token = await d1.token();
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
    await d1.request('DELETE', '/notebooks');
  });
  d1.beforeClose(async () => {
    await browser?.close();
  });

  async function page(): Promise<Page> {
    const p = await browser.newPage();
    pages.push(p);
    return p;
  }

  const cellSource = async (nb: { rest: any; uuid: string }, id: string): Promise<string> =>
    (await nb.rest.getNotebook(nb.uuid)).notebook.cells.find((c: any) => c.id === id).source;

  it('two pages and a REST client on one notebook see the same thing', async () => {
    const nb = await openNotebook(d1, [
      '',
      {
        cell_type: 'markdown',
        source: '# A heading\n\nSome *emphasis* and <script>window.pwned = 1</script>',
      },
      'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()',
    ]);
    const [first, mdCell, plotCell] = nb.cellIds;
    const a = await page();
    const b = await page();
    const problems = [...collectProblems(a), ...collectProblems(b)];
    await showNotebook(a, d1, token, nb.uuid);
    await showNotebook(b, d1, token, nb.uuid);

    // Page A types and runs print(6*7); page B shows the source and 42 without reloading.
    await focusEditorEnd(a, first);
    await a.keyboard.type('print(6*7)');
    await a.keyboard.press('Shift+Enter');
    await cellOf(b, first).locator('.out-stream pre', { hasText: '42' }).waitFor();
    expect(await shownSource(b, first)).toBe('print(6*7)');
    expect(await cellOf(b, first).locator('.count').textContent()).toBe('[1]:');
    expect((await cellOf(a, first).locator('.outputs').innerText()).trimEnd()).toBe('42');
    expect(await cellSource(nb, first)).toBe('print(6*7)');

    // A REST patch reaches both pages.
    await nb.rest.patchCell(nb.uuid, first, { source: 'print("patched over REST")' });
    for (const p of [a, b])
      await waitFor(async () => (await shownSource(p, first)) === 'print("patched over REST")', 'the patch');

    // Markdown renders (sanitised: the script neither shows nor runs).
    for (const p of [a, b]) {
      const md = cellOf(p, mdCell).locator('.markdown.rendered');
      expect(await md.locator('h1').textContent()).toBe('A heading');
      expect(await md.locator('em').textContent()).toBe('emphasis');
      expect(await md.locator('script').count()).toBe(0);
      expect(await p.evaluate(() => (window as any).pwned)).toBeUndefined();
    }

    // A matplotlib figure shows as an image in both pages.
    await nb.rest.execute(nb.uuid, plotCell);
    for (const p of [a, b]) {
      const img = cellOf(p, plotCell).locator('img.out-image');
      await img.waitFor({ timeout: 60_000 });
      expect(await img.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      await waitFor(
        () => img.evaluate((el) => (el as HTMLImageElement).naturalWidth > 100),
        'the figure to load',
      );
    }
    await browser.screenshot(a, 'two-pages-a');
    await browser.screenshot(b, 'two-pages-b');
    expect(problems).toEqual([]);
  });

  it("the toolbar and Jupyter's keys drive d1: add, type, move, merge, split, delete, undo, run all, cancel, interrupt, save as, rename", async () => {
    const nb = await openNotebook(d1, ['a = 1', 'b = 2']);
    const [c0, c1] = nb.cellIds;
    const p = await page();
    const problems = collectProblems(p);
    await showNotebook(p, d1, token, nb.uuid);
    const served = async () => (await nb.rest.getNotebook(nb.uuid)).notebook.cells as any[];
    const sources = async () => (await served()).map((c) => c.source);
    const until = (want: string[], what: string) =>
      waitFor(async () => JSON.stringify(await sources()) === JSON.stringify(want), what);

    // Command mode: select c1, B inserts below, type in it.
    await cellOf(p, c1).locator('.prompt').click();
    await p.keyboard.press('b');
    await until(['a = 1', 'b = 2', ''], 'a cell inserted below');
    // The cursor goes into the new cell.
    await p.locator('.cell:nth-child(3) .cm-editor.cm-focused').waitFor();
    await p.keyboard.type('c = 3');
    await until(['a = 1', 'b = 2', 'c = 3'], 'the typed source');
    // Move c0 down, then merge it with the cell below, split it back, delete, undo.
    await cellOf(p, c0).locator('.prompt').click();
    await p.getByRole('button', { name: 'Move the selected cell down' }).click();
    await until(['b = 2', 'a = 1', 'c = 3'], 'the move');
    await p.getByRole('button', { name: 'Merge with the cell below (Shift-M)' }).click();
    await until(['b = 2', 'a = 1\nc = 3'], 'the merge');
    await cellOf(p, c0).locator('.cm-content').click();
    await p.keyboard.press('Control+Home');
    await p.keyboard.press('End');
    await p.keyboard.press('Control+Shift+Minus');
    await until(['b = 2', 'a = 1', '\nc = 3'], 'the split');
    await p.keyboard.press('Escape');
    await cellOf(p, c1).locator('.prompt').click();
    await p.keyboard.press('d');
    await p.keyboard.press('d');
    await until(['a = 1', '\nc = 3'], 'the delete');
    await p.keyboard.press('z');
    await until(['b = 2', 'a = 1', '\nc = 3'], 'the undo');
    // M makes a markdown cell, Y a code cell again.
    await cellOf(p, c1).locator('.prompt').click();
    await p.keyboard.press('m');
    await waitFor(async () => (await served())[0].cell_type === 'markdown', 'markdown');
    await p.keyboard.press('y');
    await waitFor(async () => (await served())[0].cell_type === 'code', 'code again');

    // Run all; then a long cell, a queued one cancelled, and an interrupt.
    await p.getByRole('button', { name: 'Run all cells', exact: true }).click();
    await waitFor(async () => (await served()).every((c) => c.execution_count !== null), 'every cell run');
    // The page draws what its websocket brings, which may trail the REST answer by a moment.
    await cellOf(p, c0)
      .locator('.count', { hasText: /^\[\d+\]:$/ })
      .waitFor();
    await nb.rest.patchCell(nb.uuid, c1, { source: 'import time; time.sleep(30)' });
    await nb.rest.execute(nb.uuid, c1);
    await nb.rest.execute(nb.uuid, c0);
    await cellOf(p, c0).locator('.state-pending').waitFor();
    await cellOf(p, c1).locator('.state-busy').waitFor();
    expect(await p.locator('.kernel').textContent()).toContain('busy');
    await cellOf(p, c0).getByRole('button', { name: 'cancel' }).click();
    await cellOf(p, c0).locator('.state-pending').waitFor({ state: 'detached' });
    await p.getByRole('button', { name: 'Interrupt the kernel (I, I)' }).click();
    await cellOf(p, c1).locator('.out-error', { hasText: 'KeyboardInterrupt' }).waitFor();
    await waitFor(
      async () => (await served()).every((c) => c.metadata.jupyter_d1.execution_state === 'idle'),
      'idle',
    );

    // Save as keeps the notebook on the new file; rename moves it. A directory that is missing is d1's 404.
    await p.getByRole('button', { name: 'Save as a new file' }).click();
    await p.getByLabel('Save as path').fill('copies/saved.ipynb');
    await p.getByRole('button', { name: 'Save as', exact: true }).click();
    await p.getByRole('alert').filter({ hasText: 'Directory does not exist' }).waitFor();
    await p.getByRole('button', { name: 'Cancel' }).click();
    mkdirSync(join(d1.rootDir, 'copies'));
    await p.getByRole('button', { name: 'Save as a new file' }).click();
    await p.getByLabel('Save as path').fill('copies/saved.ipynb');
    await p.getByRole('button', { name: 'Save as', exact: true }).click();
    await p.locator('.nb-name', { hasText: 'saved' }).waitFor();
    await p.getByRole('button', { name: 'Rename the notebook file' }).click();
    await p.getByLabel('New name').fill('copies/renamed.ipynb');
    await p.getByRole('button', { name: 'Rename', exact: true }).click();
    await p.locator('.nb-name', { hasText: 'renamed' }).waitFor();
    const meta = (await nb.rest.getNotebook(nb.uuid)).notebook.metadata.jupyter_d1 as any;
    expect(meta.path).toBe(`${d1.rootDir}/copies/renamed.ipynb`);
    expect([existsSync(join(d1.rootDir, 'copies/saved.ipynb')), existsSync(meta.path)]).toEqual([
      false,
      true,
    ]);
    expect(problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
  });

  it('shows outputs as Jupyter does: ANSI colours, JSON, a long stream by its tail, the truncation marker', async () => {
    const lines = Array.from({ length: 5003 }, (_, i) => `line ${i}\n`).join('');
    const nb = await openNotebook(d1, [
      {
        source: 'shown',
        execution_count: 3,
        outputs: [
          { output_type: 'stream', name: 'stdout', text: '\u001b[31mred\u001b[0m plain\n' },
          {
            output_type: 'execute_result',
            execution_count: 3,
            metadata: {},
            data: { 'application/json': { a: [1, 2] } },
          },
          { output_type: 'stream', name: 'stderr', text: lines },
          {
            output_type: 'stream',
            name: 'stderr',
            text: '\n[d1: output truncated: this cell exceeded the 2 MiB output limit]\n',
          },
        ],
      },
    ]);
    const p = await page();
    await showNotebook(p, d1, token, nb.uuid);
    const cell = cellOf(p, nb.cellIds[0]);
    const red = cell.locator('.out-stdout pre span.ansi-red-fg');
    expect(await red.textContent()).toBe('red');
    expect(await red.evaluate((e) => getComputedStyle(e).color)).toBe('rgb(231, 92, 88)');
    expect(JSON.parse((await cell.locator('.out-json').textContent()) ?? '')).toEqual({ a: [1, 2] });
    expect(await cell.locator('.out-hidden-lines').textContent()).toBe('… 3 earlier lines not shown');
    const tail = (await cell.locator('.out-stderr pre').first().textContent()) ?? '';
    expect([tail.split('\n')[0], tail.split('\n').length]).toEqual(['line 3', 5001]);
    expect(await cell.locator('.out-truncated').textContent()).toBe(
      '[d1: output truncated: this cell exceeded the 2 MiB output limit]',
    );
  });

  it('hostile markdown and outputs run no script in the page', async () => {
    const nb = await openNotebook(d1, [
      {
        cell_type: 'markdown',
        source:
          '[click](javascript:window.pwned=1) <img src=x onerror="window.pwned=2"> <iframe src="javascript:1"></iframe>',
      },
      {
        source: 'shown',
        outputs: [
          {
            output_type: 'display_data',
            metadata: {},
            data: {
              'text/html': '<img src=x onerror="window.pwned=3"><script>window.pwned=4</script><b>bold</b>',
            },
          },
          {
            output_type: 'display_data',
            metadata: {},
            data: {
              'image/svg+xml':
                '<svg xmlns="http://www.w3.org/2000/svg" onload="window.pwned=5"><script>window.pwned=6</script><circle r="5"/></svg>',
            },
          },
          {
            output_type: 'display_data',
            metadata: {},
            data: { 'application/javascript': 'window.pwned=7', 'text/plain': 'a JavaScript output' },
          },
          { output_type: 'stream', name: 'stdout', text: '<script>window.pwned=8</script>\n' },
          {
            output_type: 'error',
            ename: 'E',
            evalue: '<img src=x onerror="window.pwned=9">',
            traceback: ['<img src=x onerror="window.pwned=9">'],
          },
        ],
      },
    ]);
    const p = await page();
    await showNotebook(p, d1, token, nb.uuid);
    const out = cellOf(p, nb.cellIds[1]);
    await out.locator('.out-html b', { hasText: 'bold' }).waitFor();
    await p.locator('.markdown a', { hasText: 'click' }).click();
    expect(await p.evaluate(() => (window as any).pwned)).toBeUndefined();
    expect(await p.locator('.cells script, .cells iframe, .cells [onerror], .cells [onload]').count()).toBe(
      0,
    );
    expect(await p.locator('.markdown a').getAttribute('href')).toBeNull();
    expect(await out.locator('.out-plain').textContent()).toBe('a JavaScript output');
    expect(await out.locator('.out-stream pre').textContent()).toBe('<script>window.pwned=8</script>\n');
    expect(await out.locator('img.out-image').getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
  });

  it('input() asked in one page is answered from the other', async () => {
    const nb = await openNotebook(d1, ['name = input("Name? ")\nprint("hi", name)']);
    const [cell] = nb.cellIds;
    const a = await page();
    const b = await page();
    await showNotebook(a, d1, token, nb.uuid);
    await showNotebook(b, d1, token, nb.uuid);
    await cellOf(a, cell).locator('.prompt').click();
    await a.keyboard.press('Shift+Enter');
    const field = cellOf(b, cell).locator('.input-request input');
    await field.waitFor();
    expect(await cellOf(b, cell).locator('.input-prompt').textContent()).toBe('Name? ');
    await cellOf(a, cell).locator('.input-request').waitFor();
    await field.fill('Ada');
    await field.press('Enter');
    for (const p of [a, b]) {
      await cellOf(p, cell).locator('.out-stream pre', { hasText: 'hi Ada' }).waitFor();
      await cellOf(p, cell).locator('.input-request').waitFor({ state: 'detached' });
    }
    expect((await cellOf(a, cell).locator('.outputs').innerText()).trimEnd()).toBe('Name? Ada\nhi Ada');
  });

  it('a read-only page shows the notebook live, with no editing control and no call that d1 refuses', async () => {
    const nb = await openNotebook(d1, [
      'print("from the writer")',
      { cell_type: 'markdown', source: '*note*' },
    ]);
    const readOnly = await d1.token({ read_access: true, write_access: false });
    const viewer = await page();
    const refused: string[] = [];
    viewer.on('response', (r) => {
      if (r.status() >= 400) refused.push(`${r.request().method()} ${r.url()} ${r.status()}`);
    });
    viewer.on('websocket', (ws) => ws.on('close', () => undefined));
    await showNotebook(viewer, d1, readOnly, nb.uuid);
    expect(await viewer.locator('.badge.readonly').textContent()).toBe('read-only');
    await nb.rest.execute(nb.uuid, nb.cellIds[0]);
    await cellOf(viewer, nb.cellIds[0]).locator('.out-stream pre', { hasText: 'from the writer' }).waitFor();
    // No toolbar, no add buttons, no cancel, no editable editor; double-clicking markdown does not edit it.
    expect(await viewer.locator('.toolbar, .add-cells, button.cancel').count()).toBe(0);
    expect(await viewer.locator('.cm-content[contenteditable="true"]').count()).toBe(0);
    await cellOf(viewer, nb.cellIds[1]).locator('.markdown.rendered').dblclick();
    expect(await cellOf(viewer, nb.cellIds[1]).locator('.cm-editor').count()).toBe(0);
    // Keys that would edit or run do nothing.
    await cellOf(viewer, nb.cellIds[0]).locator('.prompt').click();
    for (const key of ['Shift+Enter', 'a', 'b', 'd', 'd', 'z']) await viewer.keyboard.press(key);
    await cellOf(viewer, nb.cellIds[0]).locator('.cm-content').click();
    await viewer.keyboard.type('typed');
    await viewer.keyboard.press('Shift+Enter');
    expect(await shownSource(viewer, nb.cellIds[0])).toBe('print("from the writer")');
    const served = await nb.rest.getNotebook(nb.uuid);
    expect(served.notebook.cells.map((c: any) => c.source)).toEqual(['print("from the writer")', '*note*']);
    // The home page lists the notebook and the files, without open or create.
    await viewer.goto(`${d1.baseUrl}/#/`);
    await viewer.locator('.nb-link').first().waitFor();
    expect(await viewer.locator('form.inline-form, .files button').count()).toBe(0);
    await browser.screenshot(viewer, 'read-only');
    expect(refused).toEqual([]);
  });

  it("a read-only token can change nothing through the page's API", async () => {
    const nb = await openNotebook(d1, ['x = 1']);
    const readOnly = await d1.token({ read_access: true, write_access: false });
    const viewer = await page();
    await showNotebook(viewer, d1, readOnly, nb.uuid);
    const before = await nb.rest.getNotebook(nb.uuid);
    // What a viewer could try from the browser's console, with the token the page holds.
    const statuses = await viewer.evaluate(
      async ({ uuid, cell }) => {
        const token = sessionStorage.getItem('d1.token');
        const call = async (method: string, path: string, body?: unknown) =>
          (
            await fetch(path, {
              method,
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: body === undefined ? undefined : JSON.stringify(body),
            })
          ).status;
        return {
          patch: await call('PATCH', `notebooks/${uuid}/cells/${cell}`, { source: 'import os' }),
          execute: await call('POST', `notebooks/${uuid}/cells/${cell}/execute`),
          add: await call('POST', `notebooks/${uuid}/cells`, { source: 'x' }),
          scratch: await call('POST', `notebooks/${uuid}/scratch_execute`, { code: '1' }),
          complete: await call('POST', `notebooks/${uuid}/complete`, { code: 'x.' }),
          input: await call('POST', `notebooks/${uuid}/input`, { value: 'x' }),
          close: await call('DELETE', `notebooks/${uuid}`),
          mint: await call('POST', 'login/token', { read_access: true, write_access: true }),
          davPut: (
            await fetch('dav/evil.py', {
              method: 'PUT',
              headers: { authorization: `Basic ${btoa(`:${token}`)}` },
              body: 'print(1)',
            })
          ).status,
        };
      },
      { uuid: nb.uuid, cell: nb.cellIds[0] },
    );
    expect(statuses).toEqual({
      patch: 403,
      execute: 403,
      add: 403,
      scratch: 403,
      complete: 403,
      input: 403,
      close: 403,
      mint: 403,
      davPut: 403,
    });
    // The same through the client library.
    const client = new (nb.rest.constructor as any)({ baseUrl: d1.baseUrl, token: readOnly });
    await expect(client.patchCell(nb.uuid, nb.cellIds[0], { source: 'y' })).rejects.toMatchObject({
      status: 403,
    });
    await expect(client.execute(nb.uuid, nb.cellIds[0])).rejects.toBeInstanceOf(D1Error);
    expect(await nb.rest.getNotebook(nb.uuid)).toEqual(before);
  });

  it("a page whose websocket is cut shows it is offline, then resyncs to d1's state", async () => {
    const nb = await openNotebook(d1, ['print("one")', 'print("two")']);
    const p = await page();
    const urls: string[] = [];
    let cut = false;
    let current: { close(): Promise<void> } | null = null;
    await p.routeWebSocket(/\/ws\/notebook/, (ws) => {
      urls.push(ws.url());
      if (cut) return void ws.close({ code: 4000, reason: 'network down' });
      const server = ws.connectToServer();
      current = {
        close: async () => {
          await ws.close({ code: 4000, reason: 'network down' });
          await server.close();
        },
      };
    });
    await showNotebook(p, d1, token, nb.uuid);
    const atCut = (await nb.rest.getNotebook(nb.uuid)).version;
    await waitFor(async () => (await pageVersion(p)) === atCut, 'the page to be current');
    cut = true;
    await current!.close();
    await p.locator('.badge.offline').waitFor();
    await p.locator('.banner.offline').waitFor();
    // d1 goes on while the page is away.
    await nb.rest.patchCell(nb.uuid, nb.cellIds[1], { source: 'print("changed while away")' });
    await nb.rest.execute(nb.uuid, nb.cellIds[0]);
    await nb.rest.execute(nb.uuid, nb.cellIds[1]);
    await waitFor(
      async () => {
        const cells = (await nb.rest.getNotebook(nb.uuid)).notebook.cells;
        return cells.every(
          (c: any) => c.metadata.jupyter_d1.execution_state === 'idle' && c.outputs.length > 0,
        );
      },
      'both cells to run',
      20_000,
    );
    expect(await p.locator('.out-stream').count()).toBe(0);
    await browser.screenshot(p, 'offline');
    cut = false;
    await p.locator('.notebook[data-status="live"]').waitFor({ timeout: 20_000 });
    const served = await nb.rest.getNotebook(nb.uuid);
    await waitFor(async () => (await pageVersion(p)) === served.version, "the page to reach d1's version");
    expect(await shownSource(p, nb.cellIds[1])).toBe('print("changed while away")');
    expect((await cellOf(p, nb.cellIds[0]).locator('.outputs').innerText()).trimEnd()).toBe('one');
    expect((await cellOf(p, nb.cellIds[1]).locator('.outputs').innerText()).trimEnd()).toBe(
      'changed while away',
    );
    // Every reconnect asked for what came after the version the page had.
    expect(urls.length).toBeGreaterThan(1);
    for (const u of urls.slice(1)) expect(new URL(u).searchParams.get('since')).toBe(String(atCut));
  });

  it('an edit from elsewhere while a cell is being typed in merges, and never drops the typed text', async () => {
    const nb = await openNotebook(d1, ['x = 1\n']);
    const [cell] = nb.cellIds;
    const p = await page();
    await showNotebook(p, d1, token, nb.uuid);
    // The page's edit is held on its way to d1 (a slow network) while a REST client patches the same cell.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let holding = false;
    await p.route(/\/cells\/[^/]+$/, async (route) => {
      if (route.request().method() === 'PATCH') {
        holding = true;
        await held;
      }
      await route.continue();
    });
    await focusEditorEnd(p, cell);
    await p.keyboard.type('y = 2');
    await waitFor(() => holding, "the page's edit on its way");
    await nb.rest.patchCell(nb.uuid, cell, { source: '# from REST\nx = 1\n' });
    release();
    const merged = '# from REST\nx = 1\ny = 2';
    await waitFor(async () => (await cellSource(nb, cell)) === merged, 'both edits on d1', 15_000);
    expect(await shownSource(p, cell)).toBe(merged);
    await p.unroute(/\/cells\/[^/]+$/);

    // An edit that d1 had already taken is replaced by a later one from elsewhere, but not silently.
    await p.keyboard.type(' # mine');
    await waitFor(async () => (await cellSource(nb, cell)).endsWith('# mine'), 'the typed text on d1');
    await nb.rest.patchCell(nb.uuid, cell, { source: 'z = 3' });
    await cellOf(p, cell).locator('.notice', { hasText: 'replaced this cell' }).waitFor();
    await cellOf(p, cell).locator('.notice button', { hasText: 'Restore my text' }).click();
    await waitFor(async () => (await cellSource(nb, cell)) === `${merged} # mine`, 'my text restored on d1');
    await waitFor(
      async () => (await shownSource(p, cell)) === `${merged} # mine`,
      'my text restored in the page',
    );
  });
});
