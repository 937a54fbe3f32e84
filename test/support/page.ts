import type { Locator, Page } from 'playwright-core';
import { D1Client } from '../../libs/client/src';
import type { TestD1 } from './d1';
import { waitFor } from './d1';
import { CellSpec, makeNotebook, uploadAndOpen } from './notebooks';

/** A notebook opened for the page's tests, with its kernel ready, and a REST client of the library. */
export interface PageNotebook {
  uuid: string;
  cellIds: string[];
  rest: D1Client;
}

export async function openNotebook(d1: TestD1, cells: CellSpec[]): Promise<PageNotebook> {
  const name = `page-${Math.random().toString(36).slice(2)}.ipynb`;
  const nb = await uploadAndOpen(d1, `filename=${name}`, makeNotebook(cells));
  const uuid: string = nb.metadata.jupyter_d1.uuid;
  await waitFor(
    async () => (await d1.request('GET', `/kernels/${uuid}`)).status === 200,
    'the kernel',
    30_000,
  );
  const rest = new D1Client({ baseUrl: d1.baseUrl, token: await d1.token() });
  return { uuid, cellIds: nb.cells.map((c: { id: string }) => c.id), rest };
}

/** Loads the page signed in with `token` (a `?token=` link) at a notebook, and waits until it is live. */
export async function showNotebook(page: Page, d1: TestD1, token: string, uuid: string): Promise<void> {
  await page.goto(`${d1.baseUrl}/?token=${token}#/notebook/${uuid}`);
  await page.locator('.notebook[data-status="live"]').waitFor();
}

export function cellOf(page: Page, cellId: string): Locator {
  return page.locator(`[data-cell-id="${cellId}"]`);
}

/** The source a page shows for a cell (its editor's lines, or the text shown before the editor exists). */
export async function shownSource(page: Page, cellId: string): Promise<string> {
  return cellOf(page, cellId).evaluate((el) => {
    const lines = Array.from(el.querySelectorAll('.cm-content .cm-line')).map((l) => l.textContent ?? '');
    if (lines.length) return lines.join('\n');
    return el.querySelector('.static-source')?.textContent ?? '';
  });
}

/** Puts the cursor at the end of a cell's editor. */
export async function focusEditorEnd(page: Page, cellId: string): Promise<void> {
  await cellOf(page, cellId).locator('.cm-content').click();
  await page.keyboard.press('Control+End');
}

/** The version the page's live model has reached. */
export async function pageVersion(page: Page): Promise<number> {
  return Number(await page.locator('.notebook').getAttribute('data-version'));
}
