// The Node ladder with a WebGPU adapter present: a software one is skipped unless forced, and reported.
import { type BackendInfo, backendInfo, initBackend } from '@scalespace/core';
import { loadNative } from '@scalespace/native';
import { describe, expect, it } from 'vitest';
import { useSwiftShaderUnlessNamed, webgpuSkipReason } from './harness.js';

// The unforced ladder first, before anything forces webgpu in this process.
useSwiftShaderUnlessNamed();
const unforced = { name: await initBackend(undefined, { log: false }), info: backendInfo() as BackendInfo };
const skip = await webgpuSkipReason();

describe.skipIf(skip !== null)('the webgpu rung in Node', () => {
  it('reports the adapter it runs on, and a software one as a fallback', async () => {
    expect(await initBackend('webgpu', { log: false })).toBe('webgpu');
    const adapter = backendInfo()?.adapter;
    expect(adapter?.vendor).toBeTruthy();
    if (process.env.VK_ICD_FILENAMES?.includes('swiftshader')) {
      expect(adapter).toMatchObject({ architecture: 'swiftshader', fallback: true });
      expect(backendInfo()?.label).toMatch(/^webgpu \(.*swiftshader, software fallback\)$/);
    }
  });

  it('is taken by the unforced ladder only on a hardware adapter (native or wasm beat software)', async () => {
    await initBackend('webgpu', { log: false });
    const software = backendInfo()?.adapter?.fallback;
    const cpuRung = loadNative().available ? 'native' : 'wasm';
    expect(unforced.name).toBe(software ? cpuRung : 'webgpu');
    if (software) expect(unforced.info.adapter).toBeUndefined();
  });
});
