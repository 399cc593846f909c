import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { initBackend, throwIfAborted, torchFilesAt } from '@scalespace/core';
import type { Command } from '../command.js';
import { stringOption, UsageError } from '../command.js';
import { type CommandOptions, choice, flag, text } from '../options.js';
import { type ConvertedModel, convertFamilies } from './convert-families.js';

const familyOptions: CommandOptions = Object.assign({}, ...convertFamilies.map((f) => f.options ?? {}));
const width = Math.max(...convertFamilies.map((f) => f.name.length));

/** A family's line for --help, wrapped under its name. */
function familyLine(name: string, accepts: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of accepts.split(' ')) {
    if (line && line.length + word.length > 100 - width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l, i) => `  ${(i === 0 ? name : '').padEnd(width)}  ${l}`).join('\n');
}

/** `scalespace convert`: official PyTorch checkpoints -> a scalespace checkpoint folder, all or nothing. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'Convert official PyTorch checkpoints (.pt files) into a scalespace checkpoint folder',
  usage: 'FILE_OR_DIR',
  help: [
    'Reads the PyTorch file(s) without Python and writes DIR/model.safetensors + config.json, which the other',
    'commands load (denoise --model DIR, sample DIR, ...). DIR must not exist yet (or be empty); on any error',
    'nothing is left behind.',
    'Families (--from):',
    ...convertFamilies.map((f) => familyLine(f.name, f.accepts)),
  ].join('\n'),
  options: {
    from: choice(
      convertFamilies.map((f) => f.name),
      'the family of the checkpoint',
      { required: true },
    ),
    out: text('DIR', 'the scalespace model folder to write', { required: true }),
    float16: flag('store the weights as halves (half the size; they load as float32)'),
    ...familyOptions,
  },
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('give exactly one FILE_OR_DIR to convert');
    const input = resolve(ctx.positionals[0]);
    if (!existsSync(input)) throw new UsageError(`no file or folder at "${ctx.positionals[0]}"`);
    const from = stringOption(ctx, 'from');
    const family = convertFamilies.find((f) => f.name === from);
    if (!family)
      throw new UsageError(`--from must be one of ${convertFamilies.map((f) => f.name).join(', ')}, got "${from}"`);
    for (const option of Object.keys(familyOptions)) {
      if (ctx.values[option] !== undefined && !family.options?.[option])
        throw new UsageError(`--${option} is not an option of --from ${family.name}`);
    }
    const out = resolve(stringOption(ctx, 'out'));
    if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0))
      throw new UsageError(`--out "${out}" already exists; convert never overwrites: remove it or pick another`);

    await initBackend(undefined, { log: !ctx.json });
    // Written next to DIR under a temporary name and renamed when complete: DIR appears whole or not at all.
    const temporary = join(dirname(out), `.${basename(out)}.converting-${process.pid}-${Date.now()}`);
    let converted: ConvertedModel | undefined;
    try {
      converted = await family.convert(torchFilesAt(input), ctx);
      await mkdir(temporary, { recursive: true });
      await converted.save(temporary, { float16: ctx.values.float16 === true });
      throwIfAborted(ctx.signal, 'conversion');
      await rename(temporary, out);
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw error;
    } finally {
      converted?.dispose();
    }
    const summary = { out, from: family.name, input, float16: ctx.values.float16 === true, ...converted.summary };
    if (ctx.json) ctx.printJson(summary);
    else ctx.log(`convert: wrote ${out} (${family.name}, ${JSON.stringify(converted.summary)})`);
    return 0;
  },
};
