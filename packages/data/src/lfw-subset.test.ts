import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LFW_SUBSET_DEBIAN_PATH, loadLfwSubset } from './lfw-subset.js';
import { byteSum, REFERENCE, sha256 } from './test-helpers.js';

const path = process.env.SCALESPACE_LFW_SUBSET || LFW_SUBSET_DEBIAN_PATH;
const installed = existsSync(path);
if (!installed) {
  console.warn(
    `[@scalespace/data] lfw_subset.npy not installed at ${path}: its reference test is SKIPPED ` +
      '(apt-get install python3-skimage, or set SCALESPACE_LFW_SUBSET)',
  );
}

describe('LFW subset (Debian python3-skimage)', () => {
  it('when absent, the error says how to get it', async () => {
    await expect(loadLfwSubset({ path: '/no/lfw_subset.npy' })).rejects.toThrow(/apt-get install python3-skimage/);
  });

  it.skipIf(!installed)(
    `matches the NumPy reference${installed ? '' : ` (SKIPPED: not installed at ${path})`}`,
    async () => {
      const lfw = await loadLfwSubset();
      const ref = REFERENCE['lfw-subset'];
      expect(lfw.size).toBe(ref.count);
      expect(lfw.shape).toEqual(ref.shape);
      expect(sha256(lfw.data)).toBe(ref.sha256);
      expect(byteSum(lfw.get(0))).toBe(ref.firstImageSum);
    },
  );
});
