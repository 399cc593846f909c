// `scalespace eval`: image-quality numbers of @scalespace/metrics over files or folders.
// - eval --ref REF --img IMG: full-reference PSNR / SSIM / MS-SSIM, LR-PSNR, no-reference BRISQUE;
// - eval apd IMG...: diversity of several samples of one input;
// - eval fid DIR_A DIR_B (and --kid), eval sifid REAL FAKE...: feature-trunk distances.
// Images are 8-bit files read with core's readImage into [0, 1] (data range 1). JSON has no Infinity:
// an infinite PSNR (identical images) is written as the string "Infinity" (Number("Infinity") reads it back).
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import {
  InvalidImageError,
  initBackend,
  ProgressTracker,
  progressBar,
  readImage,
  type tf,
  throwIfAborted,
} from '@scalespace/core';
import {
  apd,
  brisque,
  extractFeatures,
  type FeatureExtractor,
  featureStatistics,
  frechetDistance,
  kernelDistance,
  lrPsnr,
  mseDistance,
  msSsim,
  perceptualDistance,
  psnr,
  rgbToY,
  sifidPerImage,
  ssim,
  type TrunkName,
  trunkFeatureExtractor,
} from '@scalespace/metrics';
import { degrade } from '@scalespace/pyramids';
import sharp from 'sharp';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, stringOption, UsageError } from '../command.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff']);

/** The caveat printed with every trunk-based number. */
const TRUNK_NOTE =
  "the feature trunk is nsfwjs's InceptionV3 / MobileNetV2 classifier, not the official FID Inception weights: " +
  'compare these values within scalespace only, never with published numbers';
const PERCEPTUAL_NOTE =
  "the perceptual distance is LPIPS's recipe on nsfwjs's InceptionV3 / MobileNetV2 trunk with equal layer weights, " +
  'not LPIPS: compare these values within scalespace only';

/** JSON.stringify writes Infinity and NaN as null; keep them readable instead. */
function jsonSafe<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
  ) as T;
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Image files under a folder (recursive), as paths relative to it with '/' separators, sorted. */
async function imageFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => relative(folder, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .map((p) => p.split(sep).join('/'))
    .sort();
}

/** A file or folder argument that must exist. */
function existing(path: string, what: string): string {
  const p = resolve(path);
  if (!existsSync(p)) throw new UsageError(`${what} "${path}" does not exist`);
  return p;
}

/** Width, height and colour channels (alpha not counted) of an image file, without decoding it. */
async function imageInfo(path: string): Promise<{ width: number; height: number; colour: 1 | 3 }> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(path).metadata();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidImageError(`cannot read image "${path}": ${reason}. Supported: PNG, JPEG, WebP, TIFF`);
  }
  const colour = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0) === 1 ? 1 : 3;
  return { width: meta.width ?? 0, height: meta.height ?? 0, colour };
}

const describeSize = (i: { width: number; height: number; colour: number }) =>
  `${i.width}x${i.height} ${i.colour === 1 ? 'grey' : 'RGB'}`;

// --- eval --ref REF --img IMG ---------------------------------------------------------------------------

const METRICS = {
  psnr: 'psnr',
  ssim: 'ssim',
  'ms-ssim': 'msSsim',
  'lr-psnr': 'lrPsnr',
  brisque: 'brisque',
} as const;
type MetricFlag = keyof typeof METRICS;
type MetricKey = (typeof METRICS)[MetricFlag];
const FULL_REFERENCE: MetricFlag[] = ['psnr', 'ssim', 'ms-ssim'];

/** MS-SSIM's five scales need an 11x11 window at the coarsest: 161 px on the shorter side. */
const MS_SSIM_MIN_SIDE = 161;

interface Pair {
  name: string;
  ref?: string;
  img: string;
}

/** Pairs REF and IMG: two files, or two folders by file name (relative path). */
async function pairImages(
  ref: string | undefined,
  img: string,
): Promise<{ pairs: Pair[]; unpaired?: { ref: string[]; img: string[] } }> {
  if (ref === undefined) {
    if (!isFolder(img)) return { pairs: [{ name: basename(img), img }] };
    const files = await imageFiles(img);
    if (files.length === 0) throw new UsageError(`--img folder "${img}" holds no PNG/JPEG/WebP/TIFF images`);
    return { pairs: files.map((name) => ({ name, img: join(img, name) })) };
  }
  const [refFolder, imgFolder] = [isFolder(ref), isFolder(img)];
  if (refFolder !== imgFolder) {
    throw new UsageError(
      `--ref and --img must both be files or both be folders; --ref is a ${refFolder ? 'folder' : 'file'}, --img a ${imgFolder ? 'folder' : 'file'}`,
    );
  }
  if (!refFolder) return { pairs: [{ name: basename(img), ref, img }] };
  const [refs, imgs] = [await imageFiles(ref), await imageFiles(img)];
  const refSet = new Set(refs);
  const imgSet = new Set(imgs);
  const pairs = imgs.filter((n) => refSet.has(n)).map((name) => ({ name, ref: join(ref, name), img: join(img, name) }));
  const unpaired = { ref: refs.filter((n) => !imgSet.has(n)), img: imgs.filter((n) => !refSet.has(n)) };
  if (pairs.length === 0) {
    const list = (names: string[]) =>
      names.length ? names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '') : 'none';
    throw new UsageError(
      `no image of --img "${img}" has a namesake in --ref "${ref}" (images pair by file name); --ref has ${list(refs)}; --img has ${list(imgs)}`,
    );
  }
  return { pairs, unpaired };
}

function parseMetrics(spec: string | undefined): { flags: MetricFlag[]; explicit: boolean } {
  if (spec === undefined) return { flags: ['psnr', 'ssim', 'ms-ssim'], explicit: false };
  const flags = [...new Set(spec.split(',').map((s) => s.trim().toLowerCase()))].filter(Boolean);
  if (flags.length === 0) throw new UsageError('--metrics is empty');
  for (const f of flags) {
    if (!(f in METRICS))
      throw new UsageError(`--metrics: unknown metric "${f}"; use any of ${Object.keys(METRICS).join(', ')}`);
  }
  return { flags: flags as MetricFlag[], explicit: true };
}

const fmt = (key: MetricKey, v: number | undefined) =>
  v === undefined
    ? '-'
    : v === Number.POSITIVE_INFINITY
      ? 'inf'
      : v.toFixed(key === 'psnr' || key === 'lrPsnr' || key === 'brisque' ? 2 : 4);

const HEADERS: Record<MetricKey, string> = {
  psnr: 'PSNR dB',
  ssim: 'SSIM',
  msSsim: 'MS-SSIM',
  lrPsnr: 'LR-PSNR dB',
  brisque: 'BRISQUE',
};

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Image quality of IMG against REF (files or folders): PSNR, SSIM, MS-SSIM, LR-PSNR; BRISQUE of IMG',
  usage:
    '--ref REF --img IMG [--metrics psnr,ssim,ms-ssim,lr-psnr,brisque] [--scale S] [--channel rgb|y] [--json]\n' +
    '  REF and IMG: two image files, or two folders whose images pair by file name (relative path).\n' +
    '  Images are 8-bit files read into [0, 1]; data range 1. Default metrics: psnr,ssim, plus ms-ssim when\n' +
    '  every image is at least 161 px on its shorter side.\n' +
    "  lr-psnr (needs --scale S): IMG downscaled by S (metrics' lrPsnr default degradation, antialiased bicubic,\n" +
    '  MATLAB imresize) against REF taken as the low-resolution input, so REF is S times smaller than IMG and\n' +
    '  lr-psnr is not combined with psnr/ssim/ms-ssim in one call.\n' +
    "  brisque: no-reference (OpenCV's BRISQUE, LIVE model; lower is better), on IMG alone: --ref is optional\n" +
    '  when it is the only metric.\n' +
    '  --channel y: BT.601 luma (MATLAB rgb2ycbcr), as super-resolution papers report; default rgb (all channels).\n' +
    '  --json: the mean of each metric keyed psnr, ssim, msSsim, lrPsnr, brisque, plus images: [{ name, psnr, ... }];\n' +
    '  an infinite PSNR (identical images) is the string "Infinity".\n' +
    '  Also: eval apd, eval fid, eval sifid, eval nll.',
  options: {
    ref: { type: 'string' },
    img: { type: 'string' },
    metrics: { type: 'string' },
    scale: { type: 'string' },
    channel: { type: 'string' },
  },
  async run(ctx: CommandContext) {
    if (ctx.positionals.length > 0) {
      throw new UsageError(
        `unknown eval subcommand "${ctx.positionals[0]}"; use eval --ref REF --img IMG, eval apd, eval fid, eval sifid or eval nll`,
      );
    }
    const { flags, explicit } = parseMetrics(ctx.values.metrics as string | undefined);
    const channel = choiceOption(ctx, 'channel', ['rgb', 'y'], 'rgb');
    const lr = flags.includes('lr-psnr');
    if (lr && flags.some((f) => FULL_REFERENCE.includes(f))) {
      throw new UsageError(
        'lr-psnr takes REF as the low-resolution input, psnr/ssim/ms-ssim take it at full size: run them in separate calls',
      );
    }
    const scale = lr ? intOption(ctx, 'scale', 0, 1, 64) : 0;
    if (lr && ctx.values.scale === undefined) throw new UsageError('lr-psnr needs --scale S (the downscaling factor)');
    if (!lr && ctx.values.scale !== undefined) throw new UsageError('--scale is only used by --metrics lr-psnr');
    if (ctx.values.img === undefined) throw new UsageError('--img is required');
    const referenced = flags.filter((f) => f !== 'brisque');
    if (ctx.values.ref === undefined && referenced.length > 0)
      throw new UsageError(`--ref is required (for ${referenced.join(', ')})`);
    const img = existing(stringOption(ctx, 'img'), '--img');
    const ref = ctx.values.ref === undefined ? undefined : existing(stringOption(ctx, 'ref'), '--ref');
    const { pairs, unpaired } = await pairImages(ref, img);
    if (unpaired && (unpaired.ref.length || unpaired.img.length)) {
      const parts = [
        unpaired.img.length && `in --img only: ${unpaired.img.join(', ')}`,
        unpaired.ref.length && `in --ref only: ${unpaired.ref.join(', ')}`,
      ].filter(Boolean);
      ctx.log(`warning: ${parts.join('; ')} (left out; images pair by file name)`);
    }

    // Sizes first (from the file headers), so a mismatch fails before any work.
    let minSide = Number.POSITIVE_INFINITY;
    const colours: Array<1 | 3> = [];
    for (const pair of pairs) {
      const a = await imageInfo(pair.img);
      minSide = Math.min(minSide, a.width, a.height);
      if (channel === 'y' && a.colour !== 3)
        throw new InvalidImageError(`--channel y needs RGB images; ${pair.img} is grey (use --channel rgb)`);
      colours.push(a.colour);
      if (pair.ref === undefined) continue;
      const r = await imageInfo(pair.ref);
      const expected = lr
        ? { width: Math.ceil(a.width / scale - 1e-9), height: Math.ceil(a.height / scale - 1e-9) }
        : { width: a.width, height: a.height };
      if (r.width !== expected.width || r.height !== expected.height || r.colour !== a.colour) {
        throw new InvalidImageError(
          `${pair.img} is ${describeSize(a)} but ${pair.ref} is ${describeSize(r)}` +
            (lr
              ? `; with lr-psnr --scale ${scale} the reference must be the ${expected.width}x${expected.height} low-resolution input`
              : '; the images must have the same size and channels (resize or crop one to match)'),
        );
      }
    }
    let active = flags;
    if (minSide < MS_SSIM_MIN_SIDE && flags.includes('ms-ssim')) {
      if (explicit) {
        throw new InvalidImageError(
          `ms-ssim needs images of at least ${MS_SSIM_MIN_SIDE} px on the shorter side (5 scales), the smallest here has ${minSide}; leave ms-ssim out`,
        );
      }
      active = flags.filter((f) => f !== 'ms-ssim');
    }
    const keys = active.map((f) => METRICS[f]);

    const backend = await initBackend(undefined, { log: !ctx.json });
    const luma = (t: tf.Tensor) => (channel === 'y' ? rgbToY(t) : t);
    const rows: Array<{ name: string } & Partial<Record<MetricKey, number>>> = [];
    for (const [i, pair] of pairs.entries()) {
      throwIfAborted(ctx.signal, 'eval');
      const x = await readImage(pair.img, { channels: colours[i] });
      const tensors: tf.Tensor[] = [x];
      // Full-reference metrics only run with a reference (checked above); brisque-only calls may have none.
      const r = pair.ref === undefined ? x : await readImage(pair.ref, { channels: colours[i] });
      if (r !== x) tensors.push(r);
      try {
        const row: { name: string } & Partial<Record<MetricKey, number>> = { name: pair.name };
        const options = { dataRange: 1, channel: channel === 'y' ? ('y' as const) : ('all' as const) };
        for (const key of keys) {
          if (key === 'psnr') {
            const [a, b] = [luma(x), luma(r)];
            if (a !== x) tensors.push(a, b);
            row.psnr = await psnr(a, b, { dataRange: 1 });
          } else if (key === 'ssim') row.ssim = await ssim(x, r, options);
          else if (key === 'msSsim') row.msSsim = await msSsim(x, r, options);
          else if (key === 'brisque') row.brisque = await brisque(x);
          else {
            const lowRes = luma(r);
            if (lowRes !== r) tensors.push(lowRes);
            row.lrPsnr = await lrPsnr(x, lowRes, {
              scale,
              dataRange: 1,
              ...(channel === 'y' && { degradation: (t: tf.Tensor) => rgbToY(degrade(t, { scale })) }),
            });
          }
        }
        rows.push(row);
      } finally {
        for (const t of tensors) t.dispose();
      }
    }
    const means = Object.fromEntries(keys.map((k) => [k, mean(rows.map((row) => row[k] as number))])) as Record<
      MetricKey,
      number
    >;

    if (ctx.json) {
      ctx.printJson(
        jsonSafe({
          ...means,
          metrics: keys,
          channel,
          ...(lr && { scale }),
          count: rows.length,
          images: rows,
          ...(unpaired && { unpaired }),
          backend,
        }),
      );
      return 0;
    }
    const width = Math.max(4, ...rows.map((row) => row.name.length));
    const cols = keys.map((k) => Math.max(HEADERS[k].length, 8));
    const line = (name: string, cells: string[]) =>
      `${name.padEnd(width)}  ${cells.map((c, j) => c.padStart(cols[j])).join('  ')}`;
    ctx.log(
      `eval: ${rows.length} image${rows.length === 1 ? '' : 's'}, channel ${channel === 'y' ? 'Y (BT.601)' : 'rgb'}` +
        (lr ? `, lr-psnr x${scale} (REF = low-resolution input)` : ''),
    );
    ctx.log(
      line(
        'name',
        keys.map((k) => HEADERS[k]),
      ),
    );
    for (const row of rows)
      ctx.log(
        line(
          row.name,
          keys.map((k) => fmt(k, row[k])),
        ),
      );
    if (rows.length > 1)
      ctx.log(
        line(
          'mean',
          keys.map((k) => fmt(k, means[k])),
        ),
      );
    return 0;
  },
};

// --- eval apd IMG... ------------------------------------------------------------------------------------

export const evalApdCommand: Command = {
  name: 'eval apd',
  summary: 'Average pairwise distance (diversity) among >= 2 sample images of one input',
  usage:
    'IMG IMG... [--distance mse|perceptual] [--trunk inception-v3|mobilenet-v2] [--json]\n' +
    '  The mean of the distance over all pairs of samples (images in [0, 1]). mse (default): mean squared\n' +
    "  difference, CVDVAE's APD. perceptual: metrics' trunk perceptual distance (LPIPS-style, unit-normalised\n" +
    "  features, equal layer weights) on nsfwjs's trunk (--trunk, default inception-v3); not LPIPS.",
  options: { distance: { type: 'string' }, trunk: { type: 'string' } },
  async run(ctx) {
    const files = ctx.positionals.map((p) => existing(p, 'image'));
    if (files.length < 2) throw new UsageError(`apd needs at least 2 sample images, got ${files.length}`);
    const distance = choiceOption(ctx, 'distance', ['mse', 'perceptual'], 'mse');
    if (distance === 'mse' && ctx.values.trunk !== undefined)
      throw new UsageError('--trunk is only used by --distance perceptual');
    const trunk = trunkOption(ctx);
    const infos = await Promise.all(files.map(imageInfo));
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
  return choiceOption(ctx, 'trunk', ['inception-v3', 'mobilenet-v2'], 'inception-v3');
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
  usage:
    'DIR_A DIR_B [--trunk inception-v3|mobilenet-v2] [--kid] [--json]\n' +
    '  Pooled trunk features of every image (resized to 299 / 224, bilinear); at least 2 images per folder\n' +
    '  (far more for a stable estimate). KID: unbiased MMD^2, cubic kernel, mean and std over 100 subsets.\n' +
    '  Not the official FID Inception weights: values compare within scalespace only. The first use of a\n' +
    '  trunk converts it into ~/.cache/scalespace/trunks ($SCALESPACE_TRUNK_CACHE), tens of seconds.',
  options: { trunk: { type: 'string' }, kid: { type: 'boolean' } },
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
  usage:
    'REAL FAKE... [--trunk inception-v3|mobilenet-v2] [--json]\n' +
    "  Per-position features after InceptionV3's first max-pool (MobileNetV2: its stage at stride 4), at the images'\n" +
    '  own sizes (at least 15x15). Not the official FID Inception weights: values compare within scalespace only.',
  options: { trunk: { type: 'string' } },
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
