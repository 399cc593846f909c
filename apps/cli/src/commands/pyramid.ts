import { join, resolve } from 'node:path';
import { ConfigError, initBackend, loadTensors, readImage, saveTensors, tf, writeImage } from '@scalespace/core';
import {
  BINOMIAL_5,
  entropyBits,
  gaussianPyramid,
  laplacianPyramid,
  liftingPyramid,
  pairedLevelSizes,
  pairedPyramid,
  pyramidMosaic,
  reconstructLaplacian,
  reconstructLifting,
  reconstructPaired,
  type WaveletMode,
  type WaveletName,
  wavedec2,
  waveletMosaic,
  waverec2,
} from '@scalespace/pyramids';
import { type Command, type CommandContext, intOption, optional, stringOption, UsageError } from '../command.js';
import { choice, int, text } from '../options.js';

const KINDS = ['gaussian', 'laplacian', 'wavelet', 'paired', 'lifting'] as const;
type Kind = (typeof KINDS)[number];
const LEVELS_FILE = 'levels.safetensors';

interface Level {
  name: string;
  tensor: tf.Tensor;
}

/** Entropy in bits of a level: integer levels as they are, float levels quantised to steps of 1/255. */
function levelEntropy(t: tf.Tensor): number {
  if (t.dtype === 'int32') return entropyBits(t.dataSync());
  const q = tf.tidy(() => tf.round(tf.mul(t, 255)).dataSync());
  return entropyBits(q);
}

/** A level as a viewable image: detail bands [h, w, 3, C] become their three bands side by side. */
function viewable(t: tf.Tensor, bits: number): tf.Tensor3D {
  return tf.tidy(() => {
    let f = tf.cast(t, 'float32');
    if (t.rank === 4) f = tf.concat(tf.unstack(f, 2), 1); // [h, 3w, C]
    if (t.dtype === 'int32') return tf.div(f, 2 ** bits - 1) as tf.Tensor3D;
    const lo = tf.min(f);
    return tf.div(tf.sub(f, lo), tf.maximum(tf.sub(tf.max(f), lo), 1e-12)) as tf.Tensor3D;
  });
}

/** The image as 8-bit integers, keeping the `bits` most significant bits: int32 0..2^bits-1. */
async function readQuantised(path: string, bits: number): Promise<tf.Tensor3D> {
  const image = await readImage(path);
  const ints = tf.tidy(() => {
    const eight = tf.cast(tf.round(tf.mul(image, 255)), 'int32');
    return (bits === 8 ? eight : tf.floorDiv(eight, tf.scalar(2 ** (8 - bits), 'int32'))) as tf.Tensor3D;
  });
  image.dispose();
  return ints;
}

/**
 * Splits of the paired pyramid for an image: down to 4x4 when the sides halve that far, otherwise
 * as many as the sides allow (a side must be even to split).
 */
function pairedLevels(height: number, width: number, requested: number | undefined): number {
  if (requested !== undefined) return requested;
  try {
    return pairedLevelSizes(height, width).length;
  } catch {
    let levels = 0;
    for (let h = height, w = width; h > 4 || w > 4; levels++) {
      if (h >= w) {
        if (h % 2) break;
        h /= 2;
      } else {
        if (w % 2) break;
        w /= 2;
      }
    }
    return levels;
  }
}

function maxError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(tf.cast(a, 'float32'), tf.cast(b, 'float32')))).dataSync()[0]);
}

export const pyramidDecomposeCommand: Command = {
  name: 'pyramid decompose',
  summary: 'Decompose an image into a pyramid: a mosaic PNG, one PNG per level and levels.safetensors',
  usage: 'IMAGE',
  options: {
    kind: choice(KINDS, 'the pyramid', { required: true }),
    out: text('DIR', 'the output folder', { required: true }),
    levels: int('levels', {
      defaultText: 'as many as the image allows (paired: down to 4x4; lifting: 3)',
      max: 30,
    }),
    wavelet: choice(['haar', 'db2', 'db4', 'sym4'], 'wavelet: the wavelet', { default: 'haar' }),
    mode: choice(['periodization', 'symmetric'], 'wavelet: how the borders extend', { default: 'periodization' }),
    bits: int('the bits of each pixel value kept (the most significant ones)', { value: 'B', default: 8, max: 8 }),
  },
  async run(ctx: CommandContext) {
    const [input] = ctx.positionals;
    if (!input || ctx.positionals.length > 1) throw new UsageError('give exactly one IMAGE');
    const kind = stringOption(ctx, 'kind') as Kind;
    if (!KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got "${kind}"`);
    const out = resolve(stringOption(ctx, 'out'));
    const bits = intOption(ctx, 'bits');
    const wavelet = stringOption(ctx, 'wavelet') as WaveletName;
    const mode = stringOption(ctx, 'mode') as WaveletMode;
    const levelsOption = optional(ctx, 'levels', intOption);
    await initBackend(undefined, { log: !ctx.json });
    await ctx.outputDir(out);

    const integer = kind === 'paired' || kind === 'lifting';
    const quantised = await readQuantised(input, bits);
    ctx.defer(() => quantised.dispose());
    const image = integer
      ? quantised
      : tf.tidy(() => tf.div(tf.cast(quantised, 'float32'), 2 ** bits - 1) as tf.Tensor3D);
    if (!integer) quantised.dispose();
    ctx.defer(() => image.dispose());
    const levels: Level[] = [];
    ctx.defer(() => tf.dispose(levels.map((l) => l.tensor)));
    const metadata: Record<string, string> = { kind, bits: String(bits), source: input };
    let reconstruction: tf.Tensor;
    let mosaic: tf.Tensor3D;
    if (kind === 'gaussian') {
      const g = gaussianPyramid(image, { levels: levelsOption });
      for (const [i, t] of g.entries()) levels.push({ name: `level_${i}`, tensor: t });
      reconstruction = tf.clone(g[0]);
      mosaic = await pyramidMosaic(g);
    } else if (kind === 'laplacian') {
      const lap = laplacianPyramid(image, { levels: levelsOption });
      for (const [i, t] of lap.bands.entries()) levels.push({ name: `band_${i}`, tensor: t });
      levels.push({ name: 'residual', tensor: lap.residual });
      reconstruction = reconstructLaplacian(lap);
      mosaic = await pyramidMosaic([...lap.bands, lap.residual]);
    } else if (kind === 'wavelet') {
      const dec = wavedec2(image, { wavelet, mode, levels: levelsOption });
      levels.push({ name: 'lowpass', tensor: dec.lowpass });
      // detail_1 is the finest: PyWavelets lists details coarsest first.
      for (const [i, t] of dec.details.entries()) levels.push({ name: `detail_${dec.details.length - i}`, tensor: t });
      Object.assign(metadata, { wavelet, mode, sizes: JSON.stringify(dec.sizes) });
      reconstruction = waverec2(dec);
      mosaic = await waveletMosaic(dec);
    } else if (kind === 'paired') {
      const levelCount = pairedLevels(image.shape[0], image.shape[1], levelsOption);
      const p = pairedPyramid(image, { bits, levels: levelCount });
      for (const [i, l] of p.levels.entries()) levels.push({ name: `fine_${i + 1}`, tensor: l.fine });
      levels.push({ name: 'coarse', tensor: p.coarse });
      metadata.axes = JSON.stringify(p.levels.map((l) => l.axis));
      reconstruction = reconstructPaired(p);
      mosaic = await pyramidMosaic([...p.levels.map((l) => l.fine), p.coarse], { bits });
    } else {
      const p = await liftingPyramid(image, { bits, levels: levelsOption ?? 3 });
      for (const [i, t] of p.levels.entries()) levels.push({ name: `fine_${i + 1}`, tensor: t });
      levels.push({ name: 'coarse', tensor: p.coarse });
      metadata.sizes = JSON.stringify(p.sizes);
      reconstruction = await reconstructLifting(p);
      mosaic = await waveletMosaic({ lowpass: p.coarse, details: [...p.levels].reverse() });
    }

    ctx.defer(() => tf.dispose([reconstruction, mosaic]));
    const maxReconstructionError = maxError(reconstruction, image);
    await writeImage(await ctx.output(join(out, 'mosaic.png')), mosaic);
    const report = [];
    for (const { name, tensor } of levels) {
      const view = viewable(tensor, bits);
      ctx.defer(() => view.dispose());
      await writeImage(await ctx.output(join(out, `${name}.png`)), view);
      report.push({ name, shape: tensor.shape, entropyBits: await levelEntropy(tensor) });
    }
    const rawEntropyBits = await levelEntropy(image);
    await saveTensors(
      await ctx.output(join(out, LEVELS_FILE)),
      Object.fromEntries(levels.map((l) => [l.name, l.tensor])),
      metadata,
    );
    const result = { kind, out, rawEntropyBits, levels: report, maxReconstructionError };
    if (ctx.json) ctx.printJson(result);
    else {
      ctx.log(
        `${kind} pyramid of ${input}: ${levels.length} levels, max reconstruction error ${maxReconstructionError}`,
      );
      for (const l of report)
        ctx.log(`  ${l.name.padEnd(10)} [${l.shape.join(', ')}]  ${l.entropyBits.toFixed(3)} bits`);
      ctx.log(`wrote ${out}/mosaic.png, one PNG per level and ${LEVELS_FILE}`);
    }
    return 0;
  },
};

export const pyramidReconstructCommand: Command = {
  name: 'pyramid reconstruct',
  summary: 'Rebuild the image from a folder written by `pyramid decompose`',
  usage: 'DIR',
  options: { out: text('IMAGE', 'the rebuilt image', { required: true }) },
  async run(ctx: CommandContext) {
    const [dir] = ctx.positionals;
    if (!dir) throw new UsageError('give the DIR that `pyramid decompose` wrote');
    const out = resolve(stringOption(ctx, 'out'));
    await initBackend(undefined, { log: !ctx.json });
    const file = join(dir, LEVELS_FILE);
    const { tensors: host, metadata } = await loadTensors(file);
    const kind = metadata.kind as Kind;
    if (!KINDS.includes(kind))
      throw new ConfigError(`"${file}" has no known pyramid kind in its metadata (kind: ${JSON.stringify(kind)})`);
    // Every field the kind needs, checked before any tensor is made.
    const field = <T>(name: string, check: (v: T) => boolean, what: string): T => {
      let value: T;
      try {
        value = JSON.parse(metadata[name] ?? 'null') as T;
      } catch {
        value = metadata[name] as T;
      }
      if (metadata[name] === undefined || !check(value))
        throw new ConfigError(
          `"${file}": metadata field "${name}" is missing or not ${what}; write it again with pyramid decompose`,
        );
      return value;
    };
    const bits =
      metadata.bits === undefined
        ? 8
        : field<number>('bits', (v) => Number.isInteger(v) && v >= 1 && v <= 8, 'a bit depth 1..8');
    const isSizes = (v: unknown) => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2);
    const sizes =
      kind === 'wavelet' || kind === 'lifting' ? field<[number, number][]>('sizes', isSizes, 'a list of sizes') : [];
    const axes =
      kind === 'paired'
        ? field<Array<'rows' | 'columns'>>(
            'axes',
            (v) => Array.isArray(v) && v.every((a) => a === 'rows' || a === 'columns'),
            'a list of axes',
          )
        : [];
    if (kind === 'wavelet') {
      field<string>('wavelet', (v) => typeof v === 'string', 'a wavelet name');
      field<string>('mode', (v) => typeof v === 'string', 'a wavelet mode');
    }
    const t = Object.fromEntries(Object.entries(host).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype)]));
    ctx.defer(() => tf.dispose(Object.values(t)));
    const ordered = (prefix: string) =>
      Object.keys(t)
        .filter((k) => k.startsWith(prefix))
        .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
        .map((k) => t[k]);
    let image: tf.Tensor;
    if (kind === 'gaussian') image = tf.clone(t.level_0);
    else if (kind === 'laplacian')
      image = reconstructLaplacian({
        bands: ordered('band_'),
        residual: t.residual,
        kernel: BINOMIAL_5,
      });
    else if (kind === 'wavelet') {
      const details = ordered('detail_').reverse(); // coarsest first
      image = waverec2({
        wavelet: metadata.wavelet as WaveletName,
        mode: metadata.mode as WaveletMode,
        normalization: 'orthonormal',
        lowpass: t.lowpass,
        details,
        sizes,
      });
    } else if (kind === 'paired') {
      image = reconstructPaired({
        bits,
        coarse: t.coarse,
        levels: ordered('fine_').map((fine, i) => ({ axis: axes[i], fine })),
      });
    } else {
      image = await reconstructLifting({
        bits,
        coarse: t.coarse,
        levels: ordered('fine_'),
        sizes,
      });
    }
    ctx.defer(() => image.dispose());
    const scaled = tf.tidy(() => (image.dtype === 'int32' ? tf.div(tf.cast(image, 'float32'), 2 ** bits - 1) : image));
    ctx.defer(() => scaled.dispose());
    await writeImage(await ctx.output(out), scaled);
    const result = { kind, out, shape: image.shape };
    if (ctx.json) ctx.printJson(result);
    else ctx.log(`wrote ${out}`);
    return 0;
  },
};
