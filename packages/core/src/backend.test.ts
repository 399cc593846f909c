import { loadNative } from '@scalespace/native';
import { afterEach, describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from './backend.js';
import { BackendUnavailableError, InvalidArgumentError } from './errors.js';
import { tf } from './tf.js';

describe('initBackend', () => {
  afterEach(() => {
    delete process.env.SCALESPACE_BACKEND;
  });

  it('climbs to native where its addon is built, else wasm (tfjs-node is not installed), and logs once', async () => {
    const lines: string[] = [];
    const name = await initBackend(undefined, { log: (l) => lines.push(l) });
    const expected = loadNative().available ? 'native' : 'wasm';
    expect(name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(backendInfo()?.label).toMatch(
      expected === 'native' ? /native \(OpenBLAS .*threads?; other ops on wasm/ : /wasm \(XNNPACK/,
    );
    await initBackend(undefined, { log: (l) => lines.push(l) });
    expect(lines.length).toBe(1);
  });

  it('SCALESPACE_BACKEND forces a backend; the argument wins over it', async () => {
    process.env.SCALESPACE_BACKEND = 'cpu';
    expect(await initBackend(undefined, { log: false })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend('wasm', { log: false })).toBe('wasm');
  });

  it('a forced backend that is not installed is an error that says how to get it', async () => {
    process.env.SCALESPACE_BACKEND = 'tensorflow';
    await expect(initBackend(undefined, { log: false })).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend(undefined, { log: false })).rejects.toThrow(/pnpm add @tensorflow\/tfjs-node@4\.22\.0/);
    process.env.SCALESPACE_BACKEND = 'gpu';
    await expect(initBackend(undefined, { log: false })).rejects.toThrow(InvalidArgumentError);
  });

  it('wasm start does not leave emscripten process handlers behind', async () => {
    await initBackend('wasm', { log: false });
    const handlers = process.listeners('uncaughtException').map((f) => String(f));
    expect(handlers.some((h) => h.includes('ExitStatus'))).toBe(false);
  });
});
