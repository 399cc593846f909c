import { initBackend } from '@scalespace/core';
import { type ImageDataset, loadDataset, padImages } from '@scalespace/data';
import { evaluateElbo, loadVDVAE } from '@scalespace/hvae';
import { type CommandContext, intOption, optional, stringOption, UsageError } from '../command.js';
import { readCheckpointConfig } from '../models.js';

/** A dataset's test split as the VD-VAE's images: its size, or 28x28 MNIST-style sets padded to 32x32. */
async function testImages(name: string, size: number, channels: 1 | 3): Promise<ImageDataset> {
  const folder = name.startsWith('folder:') || name === 'fixtures';
  const set = await loadDataset(name, { split: 'test', channels, ...(folder && { size }) });
  const [height, width, c] = set.shape;
  if (c !== channels)
    throw new UsageError(`${name} has ${c}-channel images, the VD-VAE models ${channels}-channel ones`);
  if (height === size && width === size) return set;
  if (height === width && size - height === 4) return padImages(set, 2);
  throw new UsageError(`${name}'s ${height}x${width} images do not fit the VD-VAE's ${size}x${size}`);
}

/**
 * `scalespace eval nll DIR` for VD-VAE directories: the negative ELBO in bits/dim over a test set (an upper bound on
 * the negative log-likelihood; what the official VD-VAE reports), with its reconstruction and KL parts.
 */
export async function evalVdvaeNll(ctx: CommandContext, dir: string, name: string): Promise<number> {
  if (ctx.values.weights !== undefined)
    throw new UsageError('--weights: a VD-VAE directory holds one set of weights (the EMA ones)');
  const trainedOn = (await readCheckpointConfig(dir))?.dataset;
  const dataName = stringOption(ctx, 'data', typeof trainedOn === 'string' ? trainedOn : undefined);
  const limit = optional(ctx, 'limit', intOption);
  await initBackend(undefined, { log: !ctx.json });
  const model = await loadVDVAE(dir);
  try {
    const { imageSize, imageChannels } = model.config;
    const images = await testImages(dataName, imageSize, imageChannels as 1 | 3);
    const started = performance.now();
    const report = await evaluateElbo(model, images, {
      limit,
      batchSize: Math.max(1, Math.min(100, 2 ** 20 / model.dims)),
    });
    const result = {
      model: name,
      kind: 'vdvae',
      data: `${dataName}:test`,
      images: report.images,
      bitsPerDim: report.bitsPerDim,
      bound: 'negative ELBO (an upper bound on the NLL), posterior draws from seed 0',
      reconstructionBpd: report.reconstructionBpd,
      klBpd: report.klBpd,
      seconds: (performance.now() - started) / 1000,
    };
    if (ctx.json) ctx.printJson(result);
    else
      ctx.log(
        `${dataName} test negative ELBO: ${report.bitsPerDim.toFixed(4)} bits/dim (reconstruction ${report.reconstructionBpd.toFixed(4)} + KL ${report.klBpd.toFixed(4)}) over ${report.images} images`,
      );
    return 0;
  } finally {
    model.dispose();
  }
}
