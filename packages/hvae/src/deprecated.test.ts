import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('deprecated names', () => {
  it('are the renamed exports themselves (the same classes and functions)', () => {
    const renamed: Array<[string, string]> = [
      ['convertVdvae', 'convertVDVAE'],
      ['Cvdvae', 'CVDVAE'],
      ['loadCvdvae', 'loadCVDVAE'],
      ['saveCvdvae', 'saveCVDVAE'],
      ['Vdvae', 'VDVAE'],
      ['resolveVdvaeConfig', 'resolveVDVAEConfig'],
      ['loadVdvae', 'loadVDVAE'],
      ['saveVdvae', 'saveVDVAE'],
      ['trainCvdvae', 'trainCVDVAE'],
      ['trainVdvae', 'trainVDVAE'],
    ];
    const exported = api as Record<string, unknown>;
    for (const [old, current] of renamed) {
      expect(exported[current], current).toBeTypeOf('function');
      expect(exported[old], old).toBe(exported[current]);
    }
  });
});
