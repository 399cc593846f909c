import { basename, join } from 'node:path';
import { InvalidImageError, initBackend, readImage, type tf, throwIfAborted } from '@scalespace/core';
import { imageFileInfo } from '@scalespace/data';
import { brisque, lrPsnr, msSsim, psnr, rgbToY, ssim } from '@scalespace/metrics';
import { degrade } from '@scalespace/pyramids';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, stringOption, UsageError } from '../command.js';
import { choice, int, text } from '../options.js';
import { describeSize, existing, imageFiles, isFolder, jsonSafe, mean } from './eval-shared.js';

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

/** The metrics as a text table: a row per image, and their mean when there are several. */
function metricTable(
  rows: Array<{ name: string } & Partial<Record<MetricKey, number>>>,
  keys: MetricKey[],
  means: Partial<Record<MetricKey, number>>,
): string[] {
  const width = Math.max(4, ...rows.map((row) => row.name.length));
  const cols = keys.map((k) => Math.max(HEADERS[k].length, 8));
  const line = (name: string, cells: string[]) =>
    `${name.padEnd(width)}  ${cells.map((c, j) => c.padStart(cols[j])).join('  ')}`;
  const lines = [
    line(
      'name',
      keys.map((k) => HEADERS[k]),
    ),
  ];
  for (const row of rows)
    lines.push(
      line(
        row.name,
        keys.map((k) => fmt(k, row[k])),
      ),
    );
  if (rows.length > 1)
    lines.push(
      line(
        'mean',
        keys.map((k) => fmt(k, means[k])),
      ),
    );
  return lines;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Image quality of IMG against REF (files or folders): PSNR, SSIM, MS-SSIM, LR-PSNR; BRISQUE of IMG',
  usage: '',
  help: [
    'REF and IMG: two image files, or two folders whose images pair by file name (relative path). Images are 8-bit',
    'files read into [0, 1]; data range 1.',
    "lr-psnr (needs --scale S): IMG downscaled by S (metrics' lrPsnr default degradation, antialiased bicubic, MATLAB",
    'imresize) against REF taken as the low-resolution input, so REF is S times smaller than IMG and lr-psnr is not',
    'combined with psnr/ssim/ms-ssim in one call.',
    "brisque: no-reference (OpenCV's BRISQUE, LIVE model; lower is better), on IMG alone: --ref is optional when it is",
    'the only metric. --channel y measures BT.601 luma, as super-resolution papers report.',
    '--json: the mean of each metric keyed psnr, ssim, msSsim, lrPsnr, brisque, plus images: [{ name, psnr, ... }];',
    'an infinite PSNR (identical images) is the string "Infinity".',
    'Also: eval apd, eval fid, eval sifid, eval nll.',
  ].join('\n'),
  options: {
    ref: text('REF', 'the reference image or folder (optional when brisque is the only metric)'),
    img: text('IMG', 'the image or folder to measure', { required: true }),
    metrics: text('LIST', `comma-separated, any of ${Object.keys(METRICS).join(', ')}`, {
      defaultText: 'psnr,ssim, plus ms-ssim when every image is at least 161 px on its shorter side',
    }),
    scale: int('lr-psnr: the downscaling factor', { value: 'S', max: 64 }),
    channel: choice(['rgb', 'y'], 'rgb: all channels; y: BT.601 luma (MATLAB rgb2ycbcr)', { default: 'rgb' }),
  },
  async run(ctx: CommandContext) {
    if (ctx.positionals.length > 0) {
      throw new UsageError(
        `unknown eval subcommand "${ctx.positionals[0]}"; use eval --ref REF --img IMG, eval apd, eval fid, eval sifid or eval nll`,
      );
    }
    const { flags, explicit } = parseMetrics(ctx.values.metrics as string | undefined);
    const channel = choiceOption<'rgb' | 'y'>(ctx, 'channel');
    const lr = flags.includes('lr-psnr');
    if (lr && flags.some((f) => FULL_REFERENCE.includes(f))) {
      throw new UsageError(
        'lr-psnr takes REF as the low-resolution input, psnr/ssim/ms-ssim take it at full size: run them in separate calls',
      );
    }
    const scale = lr ? intOption(ctx, 'scale', 0) : 0;
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
      const a = await imageFileInfo(pair.img);
      minSide = Math.min(minSide, a.width, a.height);
      if (channel === 'y' && a.colour !== 3)
        throw new InvalidImageError(`--channel y needs RGB images; ${pair.img} is grey (use --channel rgb)`);
      colours.push(a.colour);
      if (pair.ref === undefined) continue;
      const r = await imageFileInfo(pair.ref);
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
    ctx.log(
      `eval: ${rows.length} image${rows.length === 1 ? '' : 's'}, channel ${channel === 'y' ? 'Y (BT.601)' : 'rgb'}` +
        (lr ? `, lr-psnr x${scale} (REF = low-resolution input)` : ''),
    );
    for (const text of metricTable(rows, keys, means)) ctx.log(text);
    return 0;
  },
};
