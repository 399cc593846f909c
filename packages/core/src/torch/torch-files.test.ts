import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.js';
import { torchFilesAt } from './torch-files.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'torch');

describe('torchFilesAt', () => {
  it('reads files relative to a folder, and the file itself when given one', async () => {
    const folder = torchFilesAt(FIXTURES);
    expect(await folder.isFolder()).toBe(true);
    expect(await folder.isFolder('cases.zip.pt')).toBe(false);
    expect(await folder.exists('cases.zip.pt')).toBe(true);
    expect(await folder.exists('nothing.pt')).toBe(false);
    const names = await folder.list();
    expect(names).toContain('state-dict.zip.pt');
    expect(names).toEqual([...names].sort());
    const state = await folder.readTorch('state-dict.zip.pt', { stripModulePrefix: true });
    expect(Object.keys(state.tensors)).toContain('conv.weight');
    expect(JSON.parse(await folder.readText('expected.json')).files).toBeDefined();
    const file = torchFilesAt(join(FIXTURES, 'state-dict.legacy.pt'));
    expect(await file.isFolder()).toBe(false);
    expect(Object.keys((await file.readTorch()).tensors)).toContain('module.conv.weight');
  });

  it('says what is missing', async () => {
    const folder = torchFilesAt(FIXTURES);
    await expect(folder.list('cases.zip.pt')).rejects.toThrow(CheckpointError);
    await expect(folder.readText('missing.json')).rejects.toThrow(/cannot read .*missing\.json/);
    await expect(folder.readTorch('missing.pt')).rejects.toThrow(/no such file/);
  });
});
