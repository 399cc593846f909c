import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSafetensors, initBackend, type LogEntry, rng, tf, writeImage } from '@scalespace/core';

// The trainers under test, each at a tiny size (a few seconds a run), with how to read how far a
// saved run got, per phase, from its training state.

export interface Trainer {
  name: string;
  /** Steps between checkpoints: a kill may lose at most this many (per phase). */
  checkpointEvery: number;
  /** The CLI arguments of a run into `out` (without --resume / --force). */
  args(out: string): string[];
  /** Steps per phase the saved state holds (none saved: {}). */
  saved(dir: string): Promise<Record<string, number>>;
  /** The phase a log line belongs to (log lines are one per step). */
  phaseOf(entry: LogEntry): string;
}

/** What the trainers read: tiny images, a texture, small configs. */
export interface Fixtures {
  dir: string;
  photos: string;
  texture: string;
  vdvaeConfig: string;
  singanConfig: string;
  petsganConfig: string;
  /** The prior CVDVAE trains on (the reference VD-VAE run, written first). */
  prior: string;
}

export async function makeFixtures(dir: string): Promise<Fixtures> {
  await initBackend('wasm', { log: false });
  const r = rng(1);
  const photos = join(dir, 'photos');
  for (const name of ['a', 'b', 'c', 'd']) {
    const t = tf.tidy(() => r.uniformTensor([12, 12, 1]));
    await writeImage(join(photos, `${name}.png`), t);
    t.dispose();
  }
  const texture = join(dir, 'texture.png');
  const image = tf.tidy(() => {
    const smooth = tf.image.resizeBilinear(r.uniformTensor([1, 4, 4, 3]) as tf.Tensor4D, [64, 64]);
    return tf.clipByValue(tf.add(tf.squeeze(smooth, [0]), r.normalTensor([64, 64, 3], { std: 0.05 })), 0, 1);
  });
  await writeImage(texture, image);
  image.dispose();
  const write = async (name: string, value: unknown) => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, name), JSON.stringify(value));
    return join(dir, name);
  };
  return {
    dir,
    photos,
    texture,
    vdvaeConfig: await write('vdvae.json', {
      imageSize: 32,
      imageChannels: 1,
      width: 4,
      customWidths: '8:8,4:8,1:8',
      zdim: 2,
      numMixtures: 1,
      encBlocks: '32d4,8x1,8d2,4d4,1x1',
      decBlocks: '1x1,4m1,8m4,32m8',
    }),
    singanConfig: await write('singan.json', {
      maxSize: 40,
      minSize: 25,
      channels: 4,
      maxChannels: 4,
      dSteps: 1,
      gSteps: 1,
    }),
    petsganConfig: await write('petsgan.json', {
      maxSize: 64,
      ganBatch: 2,
      criticSteps: 1,
      jointIterations: 6,
      generatorChannels: 4,
      criticChannels: 4,
      restorationChannels: 4,
      patchCriticChannels: 4,
      patchCriticBranches: 1,
      jointCrop: 32,
      augmentations: 2,
      copies: 2,
    }),
    prior: join(dir, 'runs', 'vdvae-reference'),
  };
}

/** The header of a run's training state, or null before its first checkpoint. */
async function stateHeader(dir: string): Promise<Record<string, string> | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, 'training-state.safetensors'));
  } catch {
    return null;
  }
  return decodeSafetensors(bytes).metadata;
}

const stepOf = async (dir: string): Promise<Record<string, number>> => {
  const header = await stateHeader(dir);
  return header ? { all: Number(header.step) } : {};
};

export function trainers(f: Fixtures): Trainer[] {
  const autoregressive = (kind: string): Trainer => ({
    name: kind,
    checkpointEvery: 4,
    args: (out) =>
      ['train', kind, '--data', `folder:${f.photos}`, '--size', '8', '--bits', '3', '--batch', '2'].concat([
        '--steps',
        '16',
        '--checkpoint-every',
        '4',
        '--out',
        out,
      ]),
    saved: stepOf,
    phaseOf: () => 'all',
  });
  const hvae = ['--batch', '4', '--steps', '16', '--checkpoint-every', '4', '--log-every', '1'];
  return [
    autoregressive('pixelcnn'),
    autoregressive('pixelpyramids'),
    {
      name: 'denoiser',
      checkpointEvery: 4,
      args: (out) =>
        ['train', 'denoiser', '--data', `folder:${f.photos}`, '--depth', '3', '--width', '4', '--rf', '5'].concat([
          '--patch',
          '8',
          '--batch',
          '2',
          '--steps',
          '24',
          '--checkpoint-every',
          '4',
          '--out',
          out,
        ]),
      saved: stepOf,
      phaseOf: () => 'all',
    },
    {
      name: 'vdvae',
      checkpointEvery: 4,
      args: (out) => ['train', 'vdvae', '--config', f.vdvaeConfig, ...hvae, '--out', out],
      saved: stepOf,
      phaseOf: () => 'all',
    },
    {
      name: 'cvdvae',
      checkpointEvery: 4,
      args: (out) =>
        ['train', 'cvdvae', '--prior', f.prior, '--scale', '4', '--k', '3', '--enc-blocks', '8x1,8d2,4d4,1x1'].concat([
          ...hvae,
          '--out',
          out,
        ]),
      saved: stepOf,
      phaseOf: () => 'all',
    },
    {
      name: 'singan',
      checkpointEvery: 2,
      args: (out) =>
        ['train', 'singan', f.texture, '--config', f.singanConfig, '--iterations', '8'].concat([
          '--checkpoint-every',
          '2',
          '--out',
          out,
        ]),
      async saved(dir): Promise<Record<string, number>> {
        const header = await stateHeader(dir);
        if (!header) return {};
        const { config } = JSON.parse(header.info) as { config: { trainedScales: number; stepInScale: number } };
        return { all: config.trainedScales * 8 + config.stepInScale };
      },
      phaseOf: () => 'all',
    },
    {
      name: 'petsgan',
      checkpointEvery: 2,
      args: (out) =>
        ['train', 'singan', f.texture, '--method', 'petsgan', '--config', f.petsganConfig, '--iterations', '8'].concat([
          '--checkpoint-every',
          '2',
          '--out',
          out,
        ]),
      async saved(dir) {
        const header = await stateHeader(dir);
        if (!header) return {};
        return (JSON.parse(header.info) as { config: { steps: Record<string, number> } }).config.steps;
      },
      phaseOf: (entry) => String(entry.phase),
    },
  ];
}
