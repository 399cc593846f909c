import { InvalidArgumentError } from '@scalespace/core';

/**
 * One entry of a VD-VAE block string, expanded: a block at resolution `res`, with `downRate` (encoder
 * `RdK`: average-pool by K after the block) or `mixin` (decoder `RmS`: add the upsampled state of
 * resolution S before the block).
 */
export interface BlockSpec {
  res: number;
  downRate?: number;
  mixin?: number;
}

const TOKEN = /^(\d+)(?:([xdm])(\d+))?$/;

/**
 * Parses a VD-VAE block string, e.g. `32x3,32d2,16x3,16d2,8x2,8d2,4x2,4d4,1x2` (encoder) or
 * `1x1,4m1,4x2,8m4,8x3` (decoder): `RxN` is N blocks at resolution R, `RdK` one block at R followed by
 * downsampling by K, `RmS` one block at R that first mixes in the state of resolution S, and a bare
 * `R` one block at R. The expansion matches the official implementation's `parse_layer_string`.
 */
export function parseBlockString(text: string): BlockSpec[] {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new InvalidArgumentError('block string is empty; write entries like "32x3,32d2,16x2" (RxN, RdK, RmS)');
  }
  const out: BlockSpec[] = [];
  for (const raw of text.split(',')) {
    const token = raw.trim();
    const m = TOKEN.exec(token);
    if (!m) {
      throw new InvalidArgumentError(
        `block string entry "${token}" is not RxN (N blocks at resolution R), RdK (downsample by K) or RmS (mix in resolution S)`,
      );
    }
    const res = Number(m[1]);
    const value = m[3] === undefined ? undefined : Number(m[3]);
    if (res < 1) throw new InvalidArgumentError(`block string entry "${token}": resolution must be >= 1`);
    if (m[2] === undefined) out.push({ res });
    else if (m[2] === 'x') {
      if (!(value! >= 1)) throw new InvalidArgumentError(`block string entry "${token}": count must be >= 1`);
      for (let i = 0; i < value!; i++) out.push({ res });
    } else if (m[2] === 'd') {
      if (!(value! >= 2) || res % value! !== 0) {
        throw new InvalidArgumentError(
          `block string entry "${token}": the down rate must be >= 2 and divide the resolution ${res}`,
        );
      }
      out.push({ res, downRate: value });
    } else {
      if (!(value! >= 1) || value! >= res || res % value! !== 0) {
        throw new InvalidArgumentError(
          `block string entry "${token}": the mixed-in resolution must be smaller than ${res} and divide it`,
        );
      }
      out.push({ res, mixin: value });
    }
  }
  return out;
}

/** Checks that an encoder string walks from `imageSize` down through its `d` entries consistently. */
export function checkEncoderBlocks(blocks: BlockSpec[], imageSize: number): void {
  let res = imageSize;
  for (const [i, b] of blocks.entries()) {
    if (b.mixin !== undefined)
      throw new InvalidArgumentError(`encoder block ${i}: "m" entries belong in the decoder string`);
    if (b.res !== res) {
      throw new InvalidArgumentError(
        `encoder block ${i} is at resolution ${b.res} but the activations are ${res}x${res} there; ` +
          'start at the image size and follow each "d" entry with the downsampled resolution',
      );
    }
    if (b.downRate) res /= b.downRate;
  }
}

/** Checks a decoder string: it starts at its smallest resolution, mixes in only resolutions already built, and ends at `imageSize`. */
export function checkDecoderBlocks(blocks: BlockSpec[], imageSize: number): void {
  const built = new Set<number>();
  for (const [i, b] of blocks.entries()) {
    if (b.downRate !== undefined)
      throw new InvalidArgumentError(`decoder block ${i}: "d" entries belong in the encoder string`);
    if (b.mixin !== undefined && !built.has(b.mixin)) {
      throw new InvalidArgumentError(
        `decoder block ${i} mixes in resolution ${b.mixin}, which no earlier block builds`,
      );
    }
    built.add(b.res);
  }
  const last = blocks[blocks.length - 1];
  if (last.res !== imageSize) {
    throw new InvalidArgumentError(
      `the decoder string must end at the image size ${imageSize}, it ends at ${last.res}`,
    );
  }
}
