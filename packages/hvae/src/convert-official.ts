import { type HostTensor, InvalidArgumentError, type StateDict, tf } from '@scalespace/core';
import type { VdvaeConfig } from './vdvae-config.js';

/** The official implementation's hyper-parameters that shape a checkpoint (its hps.py names). */
export interface OfficialHps {
  image_size: number;
  image_channels: number;
  width: number;
  zdim: number;
  enc_blocks: string;
  dec_blocks: string;
  bottleneck_multiple?: number;
  custom_width_str?: string;
  no_bias_above?: number;
  num_mixtures: number;
  /** Input preprocessing: the encoder sees (x_uint8 + shift) * scale. */
  shift: number;
  scale: number;
  /** 8, or 5 for the 5-bit FFHQ-256 model. */
  bits?: number;
}

/** The scalespace config of an official checkpoint (exact GELU, the official input normalisation). */
export function vdvaeConfigFromOfficial(hps: OfficialHps): VdvaeConfig {
  if (!hps || typeof hps !== 'object')
    throw new InvalidArgumentError('vdvaeConfigFromOfficial: pass the official hps object');
  if (!(hps.scale > 0)) throw new InvalidArgumentError(`official hps: scale must be > 0, got ${hps.scale}`);
  return {
    imageSize: hps.image_size,
    imageChannels: hps.image_channels,
    width: hps.width,
    zdim: hps.zdim,
    encBlocks: hps.enc_blocks,
    decBlocks: hps.dec_blocks,
    bottleneckMultiple: hps.bottleneck_multiple ?? 0.25,
    customWidths: hps.custom_width_str ?? '',
    noBiasAbove: hps.no_bias_above ?? 64,
    numMixtures: hps.num_mixtures,
    bits: hps.bits ?? 8,
    // (255 x + shift) * scale = (x - mean) / std
    inputMean: -hps.shift / 255,
    inputStd: 1 / (hps.scale * 255),
    activation: 'gelu',
  };
}

/**
 * Where each output channel of scalespace's mixture head comes from in the official `DmolNet`, whose
 * channels are [logits (K) | per colour channel c: means (K), log-scales (K), coefficients (K)] (the
 * coefficient slot of channel c couples the pair (1,0), (2,0), (2,1) for c = 0, 1, 2). scalespace
 * (core's logistic mixture) orders them [logits | means c-major | log-scales c-major | coefficients pair-major].
 */
export function officialMixtureChannelOrder(channels: number, components: number): number[] {
  const k = components;
  const stride = channels === 3 ? 3 * k : 2 * k;
  const order = Array.from({ length: k }, (_, j) => j);
  for (let c = 0; c < channels; c++) for (let j = 0; j < k; j++) order.push(k + c * stride + j);
  for (let c = 0; c < channels; c++) for (let j = 0; j < k; j++) order.push(k + c * stride + k + j);
  if (channels === 3) for (let p = 0; p < 3; p++) for (let j = 0; j < k; j++) order.push(k + p * stride + 2 * k + j);
  return order;
}

/**
 * Converts an official VD-VAE state dict (PyTorch layout, e.g. `torch.load(...-model-ema.th)` saved as
 * safetensors) into this package's: conv weights [O, I, kh, kw] -> [kh, kw, I, O], the learned initial
 * states `decoder.bias_xs.j` [1, C, H, W] -> [1, H, W, C], `decoder.gain` / `decoder.bias`
 * [1, C, 1, 1] -> [1, 1, 1, C], and the mixture head's output channels reordered. Names stay the same
 * (a `module.` prefix from DataParallel is dropped). The caller owns the returned tensors.
 */
export function convertOfficialStateDict(
  tensors: Record<string, HostTensor>,
  config: Pick<VdvaeConfig, 'imageChannels' | 'numMixtures'>,
): StateDict {
  const out: StateDict = {};
  const order = officialMixtureChannelOrder(config.imageChannels, config.numMixtures);
  try {
    for (const [rawName, host] of Object.entries(tensors)) {
      const name = rawName.startsWith('module.') ? rawName.slice(7) : rawName;
      if (host.dtype !== 'float32')
        throw new InvalidArgumentError(`"${rawName}" is ${host.dtype}; convert the checkpoint to float32 first`);
      out[name] = tf.tidy(() => {
        let t: tf.Tensor = tf.tensor(host.values, host.shape, 'float32');
        if (/\.bias_xs\.\d+$/.test(name) || name === 'decoder.gain' || name === 'decoder.bias') {
          t = tf.transpose(t, [0, 2, 3, 1]);
        } else if (name.endsWith('.weight') && t.rank === 4) {
          t = tf.transpose(t, [2, 3, 1, 0]);
        }
        if (name.startsWith('decoder.out_net.out_conv.')) {
          const axis = t.rank - 1;
          if (t.shape[axis] !== order.length) {
            throw new InvalidArgumentError(
              `"${rawName}" has ${t.shape[axis]} output channels, expected ${order.length} for ${config.numMixtures} mixtures over ${config.imageChannels} channels`,
            );
          }
          t = tf.gather(t, tf.tensor1d(order, 'int32'), axis);
        }
        return t;
      });
    }
  } catch (error) {
    tf.dispose(Object.values(out));
    throw error;
  }
  return out;
}
