import { realpathSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './command.js';
import { commands } from './commands/index.js';
import { type ModelKind, packageName, resolveModel, SHIPPED_MODELS, type ShippedModel, shippedOf } from './models.js';
import { run } from './run-cli.test-helper.js';

// Every command that takes a model finds it through one registry: the same three forms (short name,
// package name, folder) name the same model, and a model of the wrong kind or an unknown name is one line
// that lists the shipped models the command would take.

const repo = new URL('../../../', import.meta.url).pathname;
/** The folder a shipped model sits in, in this repository (what the package installs). */
const folderOf = (name: string) => {
  const m = SHIPPED_MODELS.find((s) => s.name === name);
  if (!m) throw new Error(`no shipped model ${name}`);
  return join(repo, 'models', m.pkg, m.weights);
};

/** Every model a command takes: its MODEL argument and its model options, with the kinds each accepts. */
const modelInputs = commands.flatMap((command) => [
  ...(command.modelArgument ? [{ command, label: 'MODEL', kinds: command.modelArgument }] : []),
  ...Object.entries(command.options ?? {})
    .filter(([, spec]) => spec.models)
    .map(([name, spec]) => ({ command, label: `--${name}`, kinds: spec.models as readonly ModelKind[] })),
]);

describe('the model registry', () => {
  it('covers every command that takes a model', () => {
    expect(modelInputs.map((i) => `${i.command.name} ${i.label}`).sort()).toEqual(
      [
        'analyze lowfreq MODEL',
        'denoise --model',
        'eval nll MODEL',
        'restore --model',
        'sample MODEL',
        'singan animate MODEL',
        'singan edit MODEL',
        'singan harmonize MODEL',
        'singan paint MODEL',
        'singan sr MODEL',
        'sr --model',
        'train cvdvae --prior',
        'train denoiser --lowpass-from',
      ].sort(),
    );
  });

  it.each(modelInputs.map((i) => [`${i.command.name} ${i.label}`, i] as const))(
    '%s: short name, package name and folder are the same model',
    async (_, { label, kinds }) => {
      const shipped = shippedOf(kinds);
      expect(shipped.length).toBeGreaterThan(0);
      for (const model of shipped) {
        const forms = [model.name, packageName(model), folderOf(model.name)];
        const found = await Promise.all(forms.map((form) => resolveModel(form, kinds, label)));
        for (const [i, f] of found.entries()) {
          expect(realpathSync(f.dir), forms[i]).toBe(realpathSync(folderOf(model.name)));
          expect(f.kind, forms[i]).toBe(model.kind);
        }
      }
    },
  );

  it.each(modelInputs.map((i) => [`${i.command.name} ${i.label}`, i] as const))(
    '%s: another kind and an unknown name are one line listing the models it takes',
    async (_, { label, kinds }) => {
      const names = shippedOf(kinds).map((m) => m.name);
      const other = SHIPPED_MODELS.find((m) => !kinds.includes(m.kind)) as ShippedModel;
      for (const form of [other.name, packageName(other), folderOf(other.name)]) {
        const error = await resolveModel(form, kinds, label).catch((e: unknown) => e);
        expect(error, form).toBeInstanceOf(UsageError);
        const message = (error as Error).message;
        expect(message).not.toContain('\n');
        expect(message).toMatch(new RegExp(`^${label} .*: that (is|folder holds) a .* model; ${label} takes a `));
        expect(message).toContain(`; shipped: ${names.join(', ')}`);
      }
      const unknown = await resolveModel('no-such-model', kinds, label).catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(UsageError);
      expect((unknown as Error).message).toMatch(
        new RegExp(
          `^${label} no-such-model: no model directory at that path and no shipped model of that name; ${label} takes a `,
        ),
      );
      expect((unknown as Error).message).toContain(`; shipped: ${names.join(', ')}`);
    },
  );

  it('a package of several networks takes one after a slash, and alone means the one its load() picks', async () => {
    const base = '@scalespace/model-kadkhodaie-celeba160';
    const alone = await resolveModel(base, ['denoiser'], '--model');
    expect(realpathSync(alone.dir)).toBe(realpathSync(folderOf('flat-rf43')));
    const rf9 = await resolveModel(`${base}/multiscale-rf9`, ['denoiser'], '--model');
    expect(realpathSync(rf9.dir)).toBe(realpathSync(folderOf('multiscale-rf9')));
    await expect(resolveModel(`${base}/flat-rf7`, ['denoiser'], '--model')).rejects.toThrow(/no shipped model/);
  });
});

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-models-'));
  const image = tf.tidy(() => rng(4).uniformTensor([20, 20, 1]));
  await writeImage(join(dir, 'a.png'), image);
  image.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('commands through the registry', () => {
  it('denoise and sample give the same output for the three forms of a model', async () => {
    const cases = [
      {
        forms: ['denoiser-flat-rf43', '@scalespace/model-denoiser-flat-rf43', folderOf('denoiser-flat-rf43')],
        argv: (model: string, out: string) => ['denoise', join(dir, 'a.png'), '--model', model, '--out', out],
      },
      {
        forms: ['vdvae-mnist', '@scalespace/model-vdvae-mnist', folderOf('vdvae-mnist')],
        argv: (model: string, out: string) => ['sample', model, '--n', '2', '--out', out],
      },
    ];
    for (const { forms, argv } of cases) {
      const outputs: Buffer[] = [];
      for (const [i, form] of forms.entries()) {
        const out = join(dir, `out-${i}.png`);
        const r = await run(argv(form, out));
        expect(r.code, r.stderr).toBe(0);
        outputs.push(await readFile(out));
      }
      expect(outputs[1].equals(outputs[0])).toBe(true);
      expect(outputs[2].equals(outputs[0])).toBe(true);
    }
  });

  it.each([
    ['denoise', (m: string) => ['denoise', join(dir, 'a.png'), '--model', m, '--out', join(dir, 'x.png')]],
    ['sr', (m: string) => ['sr', join(dir, 'a.png'), '--model', m, '--out', join(dir, 'x')]],
    ['sample', (m: string) => ['sample', m, '--out', join(dir, 'x.png')]],
    ['eval nll', (m: string) => ['eval', 'nll', m]],
    ['singan animate', (m: string) => ['singan', 'animate', m, '--out', join(dir, 'x.gif')]],
    ['analyze lowfreq', (m: string) => ['analyze', 'lowfreq', m, '--out', join(dir, 'x.svg')]],
    ['train cvdvae', (m: string) => ['train', 'cvdvae', '--prior', m, '--out', join(dir, 'x')]],
  ])('%s: a model of another kind and an unknown name exit 2 with one line', async (name, argv) => {
    const command = commands.find((c) => c.name === name);
    const kinds = command?.modelArgument ?? command?.options?.model?.models ?? command?.options?.prior?.models ?? [];
    const other = SHIPPED_MODELS.find((m) => !kinds.includes(m.kind))?.name as string;
    for (const model of [other, 'no-such-model']) {
      const r = await run(argv(model));
      expect(r.code, r.stderr).toBe(2);
      const [line] = r.stderr.split('\n');
      expect(line).toMatch(
        new RegExp(
          `^scalespace ${name}: .*; shipped: ${shippedOf(kinds)
            .map((m) => m.name)
            .join(', ')}$`,
        ),
      );
    }
  });
});
