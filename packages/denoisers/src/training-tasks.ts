// The networks a training run fits and the noisy batches each one learns from: the pixel-domain net of a
// flat model, or a multi-scale model's low-pass net (coarsest band) and one conditional net per scale
// ([clean low-pass, noisy details] patches of that scale's Haar bands).
import { InvalidArgumentError, type Rng, tf } from '@scalespace/core';
import type { BFCNN } from './bf-cnn.js';
import type { FlatDenoiser } from './flat-denoiser.js';
import { haarStep } from './haar.js';
import type { MultiscaleDenoiser } from './multiscale-denoiser.js';
import { type HostImage, samplePatchBatch } from './patch-sampler.js';

/** One network and what it learns from: patches of `sources`, noise added to the channels from `noisyFrom`. */
export interface Task {
  name: string;
  net: BFCNN;
  sources: HostImage[];
  noisyFrom: number;
  patchSize: number;
  /** The network's target: the added noise, or the clean values of the noisy channels. */
  predicts: 'noise' | 'clean';
  /** Factor on the drawn sigma: the std that image noise of std 1 has in this band (1 in the pixel domain). */
  sigmaScale: number;
}

/** Host copies of the Haar bands of each image: per scale [low_{j+1}, details_j] and the coarsest low. */
async function bandSources(
  images: HostImage[],
  levels: number,
): Promise<{ conditional: HostImage[][]; coarsest: HostImage[] }> {
  const block = 2 ** levels;
  const conditional: HostImage[][] = Array.from({ length: levels }, () => []);
  const coarsest: HostImage[] = [];
  for (const image of images) {
    const h = Math.floor(image.height / block) * block;
    const w = Math.floor(image.width / block) * block;
    if (h === 0 || w === 0) {
      throw new InvalidArgumentError(
        `a ${image.height}x${image.width} training image is smaller than 2^levels = ${block}`,
      );
    }
    const c = image.channels;
    let low = tf.tidy(() =>
      tf.slice(tf.tensor4d(image.data, [1, image.height, image.width, c]), [0, 0, 0, 0], [1, h, w, c]),
    ) as tf.Tensor4D;
    for (let j = 0; j < levels; j++) {
      const step = haarStep(low);
      low.dispose();
      low = step.low;
      const joint = tf.concat([step.low, step.details], 3);
      conditional[j].push({
        data: (await joint.data()) as Float32Array,
        height: joint.shape[1] as number,
        width: joint.shape[2] as number,
        channels: 4 * c,
        detailOffset: c,
      });
      tf.dispose([joint, step.details]);
    }
    coarsest.push({ data: (await low.data()) as Float32Array, height: low.shape[1], width: low.shape[2], channels: c });
    low.dispose();
  }
  return { conditional, coarsest };
}

function smallestSide(sources: HostImage[]): number {
  return Math.min(...sources.map((s) => Math.min(s.height, s.width)));
}

export async function buildTasks(
  model: FlatDenoiser | MultiscaleDenoiser,
  images: HostImage[],
  patchSize: number,
  bandSigma: 'image' | 'band',
): Promise<Task[]> {
  if (model.config.kind === 'flat') {
    const flat = model as FlatDenoiser;
    return [
      { name: 'flat', net: flat.net, sources: images, noisyFrom: 0, patchSize, predicts: 'noise', sigmaScale: 1 },
    ];
  }
  const ms = model as MultiscaleDenoiser;
  const { levels } = ms.config;
  const { conditional, coarsest } = await bandSources(images, levels);
  const scale = (halvings: number) => (bandSigma === 'image' ? 2 ** -halvings : 1);
  // Coarse bands of small images (MNIST) can be smaller than the patch: use whole bands then.
  const tasks: Task[] = [
    {
      name: 'lowpass',
      net: ms.lowpass,
      sources: coarsest,
      noisyFrom: 0,
      patchSize: Math.min(patchSize, smallestSide(coarsest)),
      predicts: 'noise',
      sigmaScale: scale(levels),
    },
  ];
  for (const [j, sources] of conditional.entries()) {
    tasks.push({
      name: `scale${j}`,
      net: ms.conditionals[j],
      sources,
      noisyFrom: ms.config.channels,
      patchSize: Math.min(patchSize, smallestSide(sources)),
      predicts: ms.config.conditionalOutput === 'noise' ? 'noise' : 'clean',
      sigmaScale: scale(j + 1),
    });
  }
  return tasks;
}

/** A noisy batch for one task: input (noise on the noisy channels only) and the target (noise or clean values). */
export function noisyBatch(
  task: Task,
  batchSize: number,
  sigma: { range: [number, number]; power: number },
  augment: boolean,
  r: Rng,
): { input: tf.Tensor4D; target: tf.Tensor4D } {
  const p = task.patchSize;
  const channels = task.sources[0].channels;
  const clean = samplePatchBatch(task.sources, { batchSize, patchSize: p, augment }, r.fork('patches'));
  const noisy = channels - task.noisyFrom;
  const noise = new Float32Array(batchSize * p * p * noisy);
  const nr = r.fork('noise');
  const [lo, hi] = sigma.range;
  for (let b = 0; b < batchSize; b++) {
    const std = (lo + (hi - lo) * nr.uniform() ** sigma.power) * task.sigmaScale;
    const base = b * p * p * noisy;
    for (let i = 0; i < p * p * noisy; i++) noise[base + i] = std * nr.normal();
  }
  const input = new Float32Array(clean);
  const target = task.predicts === 'noise' ? noise : new Float32Array(noise.length);
  for (let px = 0; px < batchSize * p * p; px++) {
    for (let k = 0; k < noisy; k++) {
      input[px * channels + task.noisyFrom + k] += noise[px * noisy + k];
      if (task.predicts === 'clean') target[px * noisy + k] = clean[px * channels + task.noisyFrom + k];
    }
  }
  return {
    input: tf.tensor4d(input, [batchSize, p, p, channels]),
    target: tf.tensor4d(target, [batchSize, p, p, noisy]),
  };
}
