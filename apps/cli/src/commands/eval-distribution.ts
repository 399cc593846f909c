import { basename, join } from 'node:path';
import {
  InvalidImageError,
  initBackend,
  ProgressTracker,
  progressBar,
  readImage,
  type tf,
  throwIfAborted,
} from '@scalespace/core';
import { imageFileInfo } from '@scalespace/data';
import {
  apd,
  extractFeatures,
  type FeatureExtractor,
  featureStatistics,
  frechetDistance,
  kernelDistance,
  mseDistance,
  perceptualDistance,
  sifidPerImage,
  type TrunkName,
  trunkFeatureExtractor,
} from '@scalespace/metrics';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, UsageError } from '../command.js';
import { choice, flag } from '../options.js';
import { describeSize, existing, imageFiles, isFolder, mean, PERCEPTUAL_NOTE, TRUNK_NOTE } from './eval-shared.js';

/** The feature trunks of metrics' nsfwjs models. */
const TRUNKS: readonly TrunkName[] = ['inception-v3', 'mobilenet-v2'];

// --- eval apd IMG... ------------------------------------------------------------------------------------

export const evalApdCommand: Command = {
  name: 'eval apd',
  summary: 'Average pairwise distance (diversity) among >= 2 sample images of one input',
  usage: 'IMG IMG...',
  help:
    "The mean of the distance over all pairs of samples (images in [0, 1]). mse: mean squared difference, CVDVAE's\n" +
    "APD. perceptual: metrics' trunk perceptual distance (LPIPS-style, unit-normalised features, equal layer weights)\n" +
    "on nsfwjs's trunk; not LPIPS.",
  options: {
    distance: choice(['mse', 'perceptual'], 'the distance between two samples', { default: 'mse' }),
    trunk: choice(TRUNKS, 'perceptual: the feature trunk', { default: 'inception-v3' }),
  },
  async run(ctx) {
    const files = ctx.positionals.map((p) => existing(p, 'image'));
    if (files.length < 2) throw new UsageError(`apd needs at least 2 sample images, got ${files.length}`);
    const distance = choiceOption(ctx, 'distance');
    if (distance === 'mse' && ctx.values.trunk !== undefined)
      throw new UsageError('--trunk is only used by --distance perceptual');
    const trunk = trunkOption(ctx);
    const infos = await Promise.all(files.map(imageFileInfo));
    infos.forEach((info, i) => {
      if (info.width !== infos[0].width || info.height !== infos[0].height || info.colour !== infos[0].colour) {
        throw new InvalidImageError(
          `the samples must have one size: ${files[0]} is ${describeSize(infos[0])}, ${files[i]} is ${describeSize(info)}`,
        );
      }
    });
    await initBackend(undefined, { log: !ctx.json });
    const images = await Promise.all(files.map((f) => readImage(f, { channels: infos[0].colour })));
    const measure = distance === 'perceptual' ? await perceptualDistance({ trunk }) : undefined;
    let value: number;
    try {
      value = await apd(images, { distance: measure ?? mseDistance });
    } finally {
      measure?.dispose();
      for (const t of images) t.dispose();
    }
    const pairs = (files.length * (files.length - 1)) / 2;
    const perceptual = measure && { trunk, measure: measure.name, note: PERCEPTUAL_NOTE };
    if (ctx.json) ctx.printJson({ apd: value, distance, ...perceptual, samples: files.length, pairs, files });
    else {
      if (perceptual) ctx.log(`note: ${PERCEPTUAL_NOTE}`);
      ctx.log(
        `APD (${measure?.name ?? distance}) over ${files.length} samples (${pairs} pair${pairs === 1 ? '' : 's'}): ${value.toPrecision(5)}`,
      );
    }
    return 0;
  },
};

// --- eval fid / eval sifid ------------------------------------------------------------------------------

function trunkOption(ctx: CommandContext): TrunkName {
  return choiceOption(ctx, 'trunk', TRUNKS, 'inception-v3');
}

/** Images read per step of feature extraction: bounds memory for large folders. */
const CHUNK = 16;

/** Trunk features of a folder's images, read CHUNK at a time (the same features as metrics' fid / kid). */
async function folderFeatures(
  files: string[],
  extractor: FeatureExtractor,
  signal: AbortSignal,
  done: (n: number) => void,
): Promise<Float32Array> {
  const out = new Float32Array(files.length * extractor.dims);
  for (let start = 0; start < files.length; start += CHUNK) {
    throwIfAborted(signal, 'eval fid');
    const images = await Promise.all(files.slice(start, start + CHUNK).map((f) => readImage(f, { channels: 3 })));
    try {
      out.set(await extractFeatures(images, extractor, { signal }), start * extractor.dims);
    } finally {
      for (const t of images) t.dispose();
    }
    done(images.length);
  }
  return out;
}

export const evalFidCommand: Command = {
  name: 'eval fid',
  summary: 'FID (and KID with --kid) between two folders of images, on a feature trunk from nsfwjs',
  usage: 'DIR_A DIR_B',
  help:
    'Pooled trunk features of every image (resized to 299 / 224, bilinear); at least 2 images per folder (far more\n' +
    'for a stable estimate). Not the official FID Inception weights: values compare within scalespace only. The\n' +
    'first use of a trunk converts it into ~/.cache/scalespace/trunks ($SCALESPACE_TRUNK_CACHE), tens of seconds.',
  options: {
    trunk: choice(TRUNKS, 'the feature trunk', { default: 'inception-v3' }),
    kid: flag('also KID: unbiased MMD^2, cubic kernel, mean and std over 100 subsets'),
  },
  async run(ctx) {
    if (ctx.positionals.length !== 2) throw new UsageError('give exactly two folders, DIR_A DIR_B');
    const dirs = ctx.positionals.map((p) => existing(p, 'folder'));
    for (const d of dirs) if (!isFolder(d)) throw new UsageError(`"${d}" is not a folder`);
    const trunk = trunkOption(ctx);
    const withKid = ctx.values.kid === true;
    const [filesA, filesB] = await Promise.all(dirs.map(imageFiles));
    for (const [d, files] of [
      [dirs[0], filesA],
      [dirs[1], filesB],
    ] as const) {
      if (files.length < 2)
        throw new UsageError(
          `"${d}" holds ${files.length} image(s); FID${withKid ? '/KID' : ''} needs at least 2 per folder`,
        );
    }
    const backend = await initBackend(undefined, { log: !ctx.json });
    if (!ctx.json) ctx.log(`note: ${TRUNK_NOTE}`);
    const started = performance.now();
    const extractor = await trunkFeatureExtractor({ trunk });
    const bar = ctx.json ? undefined : progressBar(`features (${trunk})`, process.stderr);
    const tracker = new ProgressTracker(filesA.length + filesB.length, { onProgress: bar });
    let step = 0;
    const done = (n: number) => tracker.report((step += n));
    try {
      const fa = await folderFeatures(
        filesA.map((f) => join(dirs[0], f)),
        extractor,
        ctx.signal,
        done,
      );
      const fb = await folderFeatures(
        filesB.map((f) => join(dirs[1], f)),
        extractor,
        ctx.signal,
        done,
      );
      bar?.done();
      const fid = frechetDistance(featureStatistics(fa, extractor.dims), featureStatistics(fb, extractor.dims));
      const kid = withKid ? kernelDistance(fa, fb, extractor.dims) : undefined;
      const result = {
        fid,
        ...(kid && { kid: kid.kid, kidStd: kid.std }),
        trunk,
        extractor: extractor.name,
        images: { a: filesA.length, b: filesB.length },
        dirs,
        seconds: (performance.now() - started) / 1000,
        backend,
        note: TRUNK_NOTE,
      };
      if (ctx.json) ctx.printJson(result);
      else {
        ctx.log(`FID (${extractor.name}): ${fid.toPrecision(5)}  (${filesA.length} vs ${filesB.length} images)`);
        if (kid) ctx.log(`KID: ${kid.kid.toExponential(4)} +- ${kid.std.toExponential(2)}`);
      }
      return 0;
    } finally {
      bar?.done();
    }
  },
};

export const evalSifidCommand: Command = {
  name: 'eval sifid',
  summary: "Single-image FID (SinGAN's SIFID) of generated images against one real image",
  usage: 'REAL FAKE...',
  help:
    "Per-position features after InceptionV3's first max-pool (MobileNetV2: its stage at stride 4), at the images'\n" +
    'own sizes (at least 15x15). Not the official FID Inception weights: values compare within scalespace only.',
  options: { trunk: choice(TRUNKS, 'the feature trunk', { default: 'inception-v3' }) },
  async run(ctx) {
    if (ctx.positionals.length < 2) throw new UsageError('give the REAL image and at least one generated (FAKE) image');
    const [realFile, ...fakeFiles] = ctx.positionals.map((p) => existing(p, 'image'));
    const trunk = trunkOption(ctx);
    const backend = await initBackend(undefined, { log: !ctx.json });
    if (!ctx.json) ctx.log(`note: ${TRUNK_NOTE}`);
    const real = await readImage(realFile, { channels: 3 });
    const fakes: tf.Tensor3D[] = [];
    try {
      for (const f of fakeFiles) fakes.push(await readImage(f, { channels: 3 }));
      const values = await sifidPerImage(real, fakes, { trunk });
      const images = fakeFiles.map((f, i) => ({ name: basename(f), file: f, sifid: values[i] }));
      const result = { sifid: mean(values), trunk, real: realFile, images, backend, note: TRUNK_NOTE };
      if (ctx.json) ctx.printJson(result);
      else {
        const width = Math.max(...images.map((im) => im.name.length));
        for (const im of images) ctx.log(`${im.name.padEnd(width)}  ${im.sifid.toFixed(4)}`);
        ctx.log(
          `SIFID (${trunk}) against ${basename(realFile)}: ${result.sifid.toFixed(4)} (mean of ${values.length})`,
        );
      }
      return 0;
    } finally {
      real.dispose();
      for (const t of fakes) t.dispose();
    }
  },
};
