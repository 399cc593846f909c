import { describe, expect, it } from 'vitest';
import { commands } from './commands/index.js';
import { shippedOf } from './models.js';
import { optionSyntax } from './options.js';
import { run } from './run-cli.test-helper.js';

// `--help` is written from each command's declaration of its options (which parseArgs reads, and which the
// option readers refuse to read past): every option with its value, default and range.

describe('--help of every command', () => {
  it.each(commands.map((c) => [c.name, c] as const))('%s describes every option it parses', async (name, command) => {
    const r = await run([...name.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: scalespace ${name}`));
    const lines = r.stdout.split('\n');
    for (const [option, spec] of Object.entries({ ...command.options })) {
      const at = lines.findIndex(
        (l) => l.startsWith(`  ${optionSyntax(option, spec)} `) || l === `  ${optionSyntax(option, spec)}`,
      );
      expect(at, `${name} --${option}`).toBeGreaterThan(-1);
      // The description runs on until the next option.
      const end = lines.findIndex((l, i) => i > at && /^ {2}--/.test(l));
      const entry = lines
        .slice(at, end < 0 ? undefined : end)
        .join(' ')
        .replace(/\s+/g, ' ');
      expect(entry, `${name} --${option}`).toContain(spec.help.split(' ').slice(0, 3).join(' '));
      if (spec.default !== undefined) expect(entry, `${name} --${option}`).toContain(`default ${spec.default}`);
      if (spec.defaultText !== undefined) expect(entry, `${name} --${option}`).toContain('default ');
      if (spec.required) expect(entry, `${name} --${option}`).toContain('required');
      if (spec.rangeText) expect(entry, `${name} --${option}`).toContain(spec.rangeText);
      else if (spec.min !== undefined && spec.max !== undefined)
        expect(entry, `${name} --${option}`).toContain(`${spec.min} to ${spec.max}`);
      if (spec.choices) expect(entry, `${name} --${option}`).toContain(spec.choices.join('|'));
      if (spec.models) for (const m of shippedOf(spec.models)) expect(entry).toContain(m.name);
    }
    expect(r.stdout).toMatch(/^ {2}--json +print one JSON document/m);
    if (command.modelArgument)
      for (const m of shippedOf(command.modelArgument)) expect(r.stdout.replace(/\s+/g, ' ')).toContain(m.name);
  });

  it('usage errors print the usage line with the required options', async () => {
    const r = await run(['restore', 'x.png', '--out', 'y.png']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Usage: scalespace restore IMAGE --task sr|inpaint|pixels|deblur|cs --out OUT [options]',
    );
  });
});
