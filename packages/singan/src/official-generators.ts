import { CheckpointError, PickleObject, type StateDict, type TorchTensor, tf } from '@scalespace/core';

// One official SinGAN generator (tamarott/SinGAN, SinGAN/models.py, GeneratorConcatSkip2CleanAdd) as the tensors
// of a scalespace SinGANGenerator: head = ConvBlock(3 -> nfc), body.block1 .. block{L-2} = ConvBlocks narrowing
// towards min_nfc, tail.0 = conv to 3 channels (then tanh); each ConvBlock is conv (OIHW, with bias), BatchNorm2d
// (eval mode: running statistics) and LeakyReLU(0.2). All convs are valid (padd_size 0): the official code pads
// the noise and the image by the receptive field instead, as SinGANGenerator does.

/** The shape of one converted generator. */
export interface OfficialGenerator {
  /** Output channels of each conv block (head, body...). */
  widths: number[];
  kernelSize: number;
  /** Tensors named as in SinGANGenerator (blocks.<i>.conv.weight, ...), owned by the caller. */
  state: StateDict;
}

const BATCH_NORM = ['weight', 'bias', 'running_mean', 'running_var'] as const;

function blockPrefix(i: number): string {
  return i === 0 ? 'head' : `body.block${i}`;
}

/** Maps one generator's tensors (names relative to the generator: head.conv.weight, ...) onto SinGANGenerator's. */
export function officialGeneratorFromTensors(tensors: Record<string, TorchTensor>, label: string): OfficialGenerator {
  const get = (name: string) => {
    const t = tensors[name];
    if (!t) {
      const found = Object.keys(tensors).slice(0, 3).join(', ') || 'none';
      throw new CheckpointError(`${label} is missing ${name} (an official SinGAN generator has it; found ${found})`);
    }
    return t;
  };
  const expectShape = (name: string, want: number[]) => {
    const t = get(name);
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]))
      throw new CheckpointError(`${label}: ${name} has shape [${t.shape}], expected [${want}]`);
    return t;
  };
  let blocks = 1;
  while (tensors[`${blockPrefix(blocks)}.conv.weight`]) blocks++;
  const head = get('head.conv.weight');
  const kernelSize = head.shape[2];
  if (head.shape.length !== 4 || head.shape[3] !== kernelSize || kernelSize % 2 !== 1)
    throw new CheckpointError(`${label}: head.conv.weight has shape [${head.shape}], expected [nfc, 3, k, k], k odd`);
  const widths: number[] = [];
  const state: StateDict = {};
  const used = new Set<string>();
  try {
    for (let i = 0; i < blocks; i++) {
      const prefix = blockPrefix(i);
      const inChannels = i === 0 ? 3 : widths[i - 1];
      const width = get(`${prefix}.conv.weight`).shape[0];
      const w = expectShape(`${prefix}.conv.weight`, [width, inChannels, kernelSize, kernelSize]);
      widths.push(width);
      state[`blocks.${i}.conv.weight`] = hwio(w);
      state[`blocks.${i}.conv.bias`] = vector(expectShape(`${prefix}.conv.bias`, [width]));
      used.add(`${prefix}.conv.weight`).add(`${prefix}.conv.bias`).add(`${prefix}.norm.num_batches_tracked`);
      for (const name of BATCH_NORM) {
        const key = `${prefix}.norm.${name}`;
        state[`blocks.${i}.norm.${name}`] = vector(expectShape(key, [width]));
        used.add(key);
      }
    }
    const last = widths[widths.length - 1];
    state['tail.weight'] = hwio(expectShape('tail.0.weight', [3, last, kernelSize, kernelSize]));
    state['tail.bias'] = vector(expectShape('tail.0.bias', [3]));
    used.add('tail.0.weight').add('tail.0.bias');
    const unexpected = Object.keys(tensors).filter((n) => !used.has(n));
    if (unexpected.length > 0)
      throw new CheckpointError(
        `${label} has tensors an official SinGAN generator does not: ${unexpected.slice(0, 4).join(', ')}`,
      );
  } catch (error) {
    tf.dispose(Object.values(state));
    throw error;
  }
  return { widths, kernelSize, state };
}

function hwio(t: TorchTensor): tf.Tensor {
  return tf.tidy(() => tf.transpose(tf.tensor(t.values, t.shape, 'float32'), [2, 3, 1, 0]));
}

function vector(t: TorchTensor): tf.Tensor {
  return tf.tensor1d(Float32Array.from(t.values), 'float32');
}

/** A pickled nn.Module's attributes (its BUILD state), or undefined for anything else. */
function attributes(value: unknown): Record<string, unknown> | undefined {
  if (!(value instanceof PickleObject)) return undefined;
  const state = Array.isArray(value.state) ? value.state[0] : value.state;
  return typeof state === 'object' && state !== null ? (state as Record<string, unknown>) : undefined;
}

function child(value: unknown, name: string): unknown {
  const modules = attributes(value)?._modules as Record<string, unknown> | undefined;
  return modules?.[name];
}

const pair = (v: unknown) => (Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)]);

/**
 * Checks the settings of a pickled official generator (Gs.pth) that its tensors do not show: stride 1 and no
 * padding in every conv, batch norms in eval mode with eps 1e-5, LeakyReLU slope 0.2. Per-scale state dicts
 * (netG.pth) carry none of these; the official code always uses these values.
 */
export function checkOfficialModule(generator: unknown, blocks: number, label: string): void {
  if (!(generator instanceof PickleObject))
    throw new CheckpointError(`${label} is not a pickled generator module (it is a ${typeof generator})`);
  const fail = (what: string) => {
    throw new CheckpointError(`${label} (${generator.module}.${generator.name}): ${what}`);
  };
  const convs: [string, unknown][] = [['tail.0', child(child(generator, 'tail'), '0')]];
  for (let i = 0; i < blocks; i++) {
    const block = i === 0 ? child(generator, 'head') : child(child(generator, 'body'), `block${i}`);
    const prefix = blockPrefix(i);
    convs.push([`${prefix}.conv`, child(block, 'conv')]);
    const norm = attributes(child(block, 'norm'));
    if (norm && norm.training !== false)
      fail(`${prefix}.norm is in training mode; the official code saves its generators in eval mode`);
    if (norm && norm.eps !== undefined && Math.abs(Number(norm.eps) - 1e-5) > 1e-12)
      fail(`${prefix}.norm has eps ${String(norm.eps)}, not the official 1e-5`);
    const slope = attributes(child(block, 'LeakyRelu'))?.negative_slope;
    if (slope !== undefined && Math.abs(Number(slope) - 0.2) > 1e-12)
      fail(`${prefix}.LeakyRelu has slope ${String(slope)}, not the official 0.2`);
  }
  for (const [name, conv] of convs) {
    const a = attributes(conv);
    if (!a) continue;
    const padding = a.padding === 'valid' ? [0, 0] : pair(a.padding ?? 0);
    if (padding.some((p) => p !== 0)) fail(`${name} pads by [${padding}]; only the official padd_size 0 converts`);
    if (pair(a.stride ?? 1).some((s) => s !== 1) || pair(a.dilation ?? 1).some((d) => d !== 1))
      fail(`${name} has stride [${pair(a.stride)}] and dilation [${pair(a.dilation)}]; the official ones are 1`);
  }
}
