// Runs the same work on wasm and on webgpu in one process and compares the host results. In Node the
// webgpu backend runs on Dawn (the `webgpu` package); without a GPU, Dawn finds SwiftShader (a software
// Vulkan driver Debian's chromium-common ships) when VK_ICD_FILENAMES names its manifest.
import { existsSync } from 'node:fs';
import { backendInfo, initBackend, tf } from '@scalespace/core';
import { expect } from 'vitest';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let available: Promise<string | null> | null = null;

/** Points Dawn at SwiftShader when no Vulkan driver is named (before the first WebGPU use). */
export function useSwiftShaderUnlessNamed(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/** Why the webgpu backend cannot run here, or null when it can (then it is left active). */
export function webgpuSkipReason(): Promise<string | null> {
  available ??= (async () => {
    useSwiftShaderUnlessNamed();
    try {
      await initBackend('webgpu', { log: false });
      return null;
    } catch (error) {
      const reason = `no WebGPU adapter (${(error as Error).message.split('.')[0]})`;
      console.warn(
        `@scalespace/webgpu-tests skipped: ${reason}. On Debian: apt-get install -y chromium libvulkan1 ` +
          `(SwiftShader's manifest ${SWIFTSHADER_ICD}) or a GPU with a Vulkan driver.`,
      );
      return reason;
    }
  })();
  return available;
}

/** What `work` returns on each backend: host values only (it disposes its tensors). */
export async function onBothBackends<T>(work: () => Promise<T>): Promise<{ wasm: T; webgpu: T }> {
  const results: Partial<Record<'wasm' | 'webgpu', T>> = {};
  for (const backend of ['wasm', 'webgpu'] as const) {
    await initBackend(backend, { log: false });
    const before = tf.memory().numTensors;
    results[backend] = await work();
    expect(tf.memory().numTensors, `tensors left by the work on ${backend}`).toBe(before);
  }
  expect(backendInfo()?.adapter).toBeDefined();
  return results as { wasm: T; webgpu: T };
}

const largest = (values: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
};

/** Largest absolute difference over `scale` (default: the largest magnitude of `expected`). */
export function relativeDifference(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  scale = largest(expected),
): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
  return scale === 0 ? diff : diff / scale;
}

/**
 * Expects webgpu's values to equal wasm's within `tolerance` relative (1e-4 by default), each array
 * against its own largest magnitude, or with `scaleOf` against the largest among the arrays whose names
 * share a prefix (gradients that are zero in exact arithmetic, such as a bias before a normalisation,
 * are float noise on both backends: their scale is that of their network's other gradients).
 */
export function expectSameOnBoth(
  results: { wasm: Record<string, ArrayLike<number>>; webgpu: Record<string, ArrayLike<number>> },
  options: { tolerance?: number; scaleOf?: (name: string) => string } = {},
): void {
  const { tolerance = 1e-4, scaleOf } = options;
  expect(Object.keys(results.webgpu).sort()).toEqual(Object.keys(results.wasm).sort());
  const scales = new Map<string, number>();
  if (scaleOf)
    for (const [name, values] of Object.entries(results.wasm))
      scales.set(scaleOf(name), Math.max(scales.get(scaleOf(name)) ?? 0, largest(values)));
  for (const [name, values] of Object.entries(results.wasm)) {
    const scale = scaleOf ? scales.get(scaleOf(name)) : undefined;
    expect(relativeDifference(results.webgpu[name], values, scale), name).toBeLessThan(tolerance);
  }
}

/** A tensor's values on the host (the tensor is disposed). */
export async function host(t: tf.Tensor): Promise<Float32Array> {
  const values = Float32Array.from(await t.data());
  t.dispose();
  return values;
}
