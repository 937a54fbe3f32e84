import { NotebookModel } from '@d1/notebook';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { atomicWrite, parseNotebookText, serializeNotebook, splitLines } from './notebook-files';

describe('splitLines', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a\n']],
    ['a\nb', ['a\n', 'b']],
    ['a\n\nb\n', ['a\n', '\n', 'b\n']],
    ['a\r\nb', ['a\r\n', 'b']],
  ])('%j -> %j', (text, lines) => {
    expect(splitLines(text)).toEqual(lines);
    expect(splitLines(text).join('')).toBe(text);
  });
});

describe('serializeNotebook', () => {
  it('lays the notebook out as nbformat.write does: line lists, sorted keys, indent 1', () => {
    const model = NotebookModel.empty();
    const cell = model.addCell({ source: 'print(1)\nprint(2)' });
    model.appendStream(cell.id, 'stdout', '1\n2\n');
    model.appendOutput(cell.id, {
      output_type: 'display_data',
      data: { 'text/plain': 'x\ny', 'application/json': { a: 'b\nc' } },
      metadata: {},
    });
    const text = serializeNotebook(model.toFileJson());
    const json = JSON.parse(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe(' "cells": [');
    expect(Object.keys(json)).toEqual(['cells', 'metadata', 'nbformat', 'nbformat_minor']);
    expect(Object.keys(json.cells[0])).toEqual([...Object.keys(json.cells[0])].sort());
    expect(json.cells[0].source).toEqual(['print(1)\n', 'print(2)']);
    expect(json.cells[0].outputs[0].text).toEqual(['1\n', '2\n']);
    expect(json.cells[0].outputs[1].data).toEqual({
      'application/json': { a: 'b\nc' },
      'text/plain': ['x\n', 'y'],
    });
  });
});

describe('atomicWrite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'd1-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file and leaves no temp file behind', async () => {
    const file = path.join(dir, 'a.ipynb');
    writeFileSync(file, 'old');
    const stamp = await atomicWrite(file, 'new content');
    expect(readFileSync(file, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['a.ipynb']);
    expect(stamp.size).toBe(11);
    expect(stamp.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails without touching anything when the directory is missing', async () => {
    await expect(atomicWrite(path.join(dir, 'nope', 'a.ipynb'), 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('parseNotebookText', () => {
  it('says the notebook did not parse', () => {
    expect(() => parseNotebookText('{nope')).toThrow(/^Failed to parse notebook: not valid JSON/);
  });
});
