import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { CONFIG_FILE, decodeSafetensors, WEIGHTS_FILE } from '@scalespace/core';
import { CVDVAE_FORMAT, VDVAE_FORMAT } from '@scalespace/hvae';
import { PETSGAN_FORMAT, SINGAN_FORMAT } from '@scalespace/singan';
import { type CommandContext, stringOption, UsageError } from './command.js';
import { readJsonFile } from './config-file.js';

// The one place the CLI finds models. Every command that takes a model (an option like --model, or a MODEL
// argument) resolves it here, in the same three forms: a folder (a run or converted model), a shipped model's
// short name (flat-rf43, cvdvae-mnist-x4, singan-coffee), or its package name (@scalespace/model-singan-coffee;
// a package holding several networks names one after a slash: @scalespace/model-kadkhodaie-celeba160/flat-rf13).

/** What a model folder holds; each command says which kinds it takes. */
export type ModelKind = 'denoiser' | 'vdvae' | 'cvdvae' | 'pixelcnn' | 'pixelpyramids' | 'singan' | 'petsgan';

export const KIND_NAMES: Record<ModelKind, string> = {
  denoiser: 'bias-free denoiser',
  vdvae: 'VD-VAE',
  cvdvae: 'CVDVAE',
  pixelcnn: 'PixelCNN++',
  pixelpyramids: 'PixelPyramids',
  singan: 'SinGAN',
  petsgan: 'PetsGAN',
};

/** A model shipped in an npm package `@scalespace/model-<pkg>`. */
export interface ShippedModel {
  /** The short name: `flat-rf43`, `cvdvae-mnist-x4`. */
  name: string;
  /** The package, without `@scalespace/model-`. */
  pkg: string;
  /** The network's name inside a package that holds several (`flat-rf13`). */
  sub?: string;
  /** The model folder inside the package. */
  weights: string;
  kind: ModelKind;
}

const CELEBA160 = 'kadkhodaie-celeba160';

/** Every shipped model, in the order errors and --help list them. */
export const SHIPPED_MODELS: readonly ShippedModel[] = [
  // The official networks of Kadkhodaie et al. (grey CelebA faces), by receptive field.
  ...[5, 9, 13, 23, 43].flatMap((rf) =>
    ['flat', 'multiscale'].map((net) => {
      const name = `${net}-rf${rf}`;
      return { name, pkg: CELEBA160, sub: name, weights: `weights/${name}`, kind: 'denoiser' as const };
    }),
  ),
  { name: 'multiscale320-rf13', pkg: 'kadkhodaie-celeba320', weights: 'weights/multiscale-rf13', kind: 'denoiser' },
  // Trained by scalespace on CC0 photos.
  { name: 'denoiser-flat-rf43', pkg: 'denoiser-flat-rf43', weights: 'weights', kind: 'denoiser' },
  { name: 'denoiser-multiscale-rf13', pkg: 'denoiser-multiscale-rf13', weights: 'weights', kind: 'denoiser' },
  { name: 'vdvae-mnist', pkg: 'vdvae-mnist', weights: 'weights', kind: 'vdvae' },
  { name: 'cvdvae-mnist-x4', pkg: 'cvdvae-mnist-x4', weights: 'weights', kind: 'cvdvae' },
  { name: 'cvdvae-mnist-x8', pkg: 'cvdvae-mnist-x8', weights: 'weights', kind: 'cvdvae' },
  { name: 'pixelpyramids-mnist', pkg: 'pixelpyramids-mnist', weights: 'weights', kind: 'pixelpyramids' },
  { name: 'pixelpyramids-photos', pkg: 'pixelpyramids-photos', weights: 'weights', kind: 'pixelpyramids' },
  { name: 'singan-coffee', pkg: 'singan-coffee', weights: 'weights', kind: 'singan' },
];

/** What a package name alone means for a package of several networks: the one its `load()` picks by default. */
const PACKAGE_DEFAULTS: Record<string, string> = { [CELEBA160]: 'flat-rf43' };

const PACKAGE_SCOPE = '@scalespace/model-';

/** The npm package of a shipped model, with the network after a slash where the package holds several. */
export function packageName(model: ShippedModel): string {
  return `${PACKAGE_SCOPE}${model.pkg}${model.sub ? `/${model.sub}` : ''}`;
}

/** The shipped models of the given kinds. */
export function shippedOf(kinds: readonly ModelKind[]): ShippedModel[] {
  return SHIPPED_MODELS.filter((m) => kinds.includes(m.kind));
}

/** `a, b or c`. */
function either(words: string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : words[0];
}

/** `a VD-VAE or CVDVAE model`. */
export function kindsText(kinds: readonly ModelKind[]): string {
  return `a ${either(kinds.map((k) => KIND_NAMES[k]))} model`;
}

/** The shipped model a short name or package name means, or undefined. */
function findShipped(value: string): ShippedModel | undefined {
  const byName = SHIPPED_MODELS.find((m) => m.name === value);
  if (byName) return byName;
  if (!value.startsWith(PACKAGE_SCOPE)) return undefined;
  const [pkg, sub, ...rest] = value.slice(PACKAGE_SCOPE.length).split('/');
  if (rest.length > 0) return undefined;
  return SHIPPED_MODELS.find((m) => m.pkg === pkg && m.sub === (sub ?? PACKAGE_DEFAULTS[pkg] ?? m.sub));
}

/** The folder of an installed package, or undefined. */
function packageFolder(pkg: string): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * Reads DIR/config.json, or null when there is none; a config.json that is not JSON is a ConfigError naming
 * it, not "no model here".
 */
export async function readCheckpointConfig(dir: string): Promise<Record<string, unknown> | null> {
  const file = join(dir, CONFIG_FILE);
  if (!existsSync(file)) return null;
  return (await readJsonFile(file, 'the model config')) as Record<string, unknown>;
}

/** The config a model folder or weights file holds: its config.json, else the weights' header; null for none. */
async function modelConfig(path: string): Promise<Record<string, unknown> | null> {
  const folder = statSync(path).isDirectory();
  const fromFile = folder ? await readCheckpointConfig(path) : null;
  if (fromFile) return fromFile;
  const weights = folder ? join(path, WEIGHTS_FILE) : path;
  if (!weights.endsWith('.safetensors') || !existsSync(weights)) return null;
  try {
    const { metadata } = decodeSafetensors(new Uint8Array(await readFile(weights)), weights);
    return JSON.parse(metadata.config ?? 'null');
  } catch {
    return null; // the command's loader reads it again and says what is wrong
  }
}

/** Which kind of model a folder (or a weights file) holds, from its config; null when none this CLI knows. */
export async function modelKind(path: string): Promise<ModelKind | null> {
  const config = await modelConfig(path);
  if (!config) return null;
  if (config.kind === 'flat' || config.kind === 'multiscale') return 'denoiser';
  const network = (config.model as { kind?: unknown } | undefined)?.kind;
  if (network === 'pixelcnn' || network === 'pixelpyramids') return network;
  const formats: Record<string, ModelKind> = {
    [VDVAE_FORMAT]: 'vdvae',
    [CVDVAE_FORMAT]: 'cvdvae',
    [SINGAN_FORMAT]: 'singan',
    [PETSGAN_FORMAT]: 'petsgan',
  };
  return formats[String(config.format)] ?? null;
}

/** A model named on the command line, found. */
export interface ResolvedModel {
  /** The folder (or weights file) to load. */
  dir: string;
  kind: ModelKind;
  /** The shipped model it is, when named by short or package name. */
  shipped?: ShippedModel;
}

/**
 * Finds the model `value` names (a folder, a short name or a package name) for an option or argument
 * `label` that takes `kinds`. Fails with one line listing the shipped models that would do: for a name
 * that is no folder and no shipped model, and for a model of another kind.
 */
export async function resolveModel(value: string, kinds: readonly ModelKind[], label: string): Promise<ResolvedModel> {
  const names = shippedOf(kinds)
    .map((m) => m.name)
    .join(', ');
  const takes = `${label} takes ${kindsText(kinds)}${names ? `; shipped: ${names}` : ''}`;
  const fail = (problem: string) => new UsageError(`${label} ${value}: ${problem}; ${takes}`);
  const shipped = existsSync(value) ? undefined : findShipped(value);
  if (shipped) {
    if (!kinds.includes(shipped.kind)) throw fail(`that is ${kindsText([shipped.kind])}`);
    const pkg = `${PACKAGE_SCOPE}${shipped.pkg}`;
    const root = packageFolder(pkg);
    if (!root) throw fail(`its package ${pkg} is not installed (npm install ${pkg})`);
    return { dir: join(root, shipped.weights), kind: shipped.kind, shipped };
  }
  // A folder, or another installed package whose weights/ folder holds a model.
  const root = existsSync(value) ? undefined : value.startsWith('@') ? packageFolder(value) : undefined;
  const dir = root ? join(root, 'weights') : resolve(value);
  if (!existsSync(dir)) throw fail('no model directory at that path and no shipped model of that name');
  const kind = await modelKind(dir);
  if (kind === null) throw fail('that folder holds no model this CLI knows');
  if (!kinds.includes(kind)) throw fail(`that folder holds ${kindsText([kind])}`);
  return { dir, kind };
}

/** Reads a model option (`--model`, `--prior`): its value or declared default, found for the kinds it declares. */
export function modelOption(ctx: CommandContext, name = 'model'): Promise<ResolvedModel> {
  return resolveModel(stringOption(ctx, name), ctx.options[name]?.models ?? [], `--${name}`);
}

/** What --help says of a model argument or option: the forms it takes and the shipped models of its kinds. */
export function modelHelp(kinds: readonly ModelKind[]): string {
  const shipped = shippedOf(kinds);
  const names = shipped.map((m) => m.name).join(', ');
  const example = shipped[0] ? ` (e.g. ${packageName(shipped[0])})` : '';
  return (
    `${kindsText(kinds)}: a folder written by a trainer or by convert` +
    (names ? `, a shipped model (${names}) or its package${example}` : '')
  );
}
