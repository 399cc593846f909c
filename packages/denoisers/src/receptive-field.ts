import { InvalidArgumentError } from '@scalespace/core';

/**
 * Kernel sizes (3 or 1) for each of `depth` conv layers so that the network's receptive field is `rf`:
 * every 3x3 layer widens it by 2, a 1x1 layer by nothing, so rf = 1 + 2 * (number of 3x3 layers).
 * The 3x3 layers are spread evenly from the first layer to the last, which for the paper's 21 layers
 * gives its layouts: RF 43 all 3x3, RF 13 a 3x3 every 4th layer (0, 4, ..., 20).
 */
export function kernelSizesForReceptiveField(depth: number, rf: number): number[] {
  if (!Number.isInteger(depth) || depth < 2)
    throw new InvalidArgumentError(`depth must be an integer >= 2 (first and last layer), got ${depth}`);
  if (!Number.isInteger(rf) || rf < 1 || rf % 2 === 0)
    throw new InvalidArgumentError(`receptive field must be an odd positive integer (1 + 2 * 3x3 layers), got ${rf}`);
  const wide = (rf - 1) / 2;
  if (wide > depth) {
    throw new InvalidArgumentError(
      `receptive field ${rf} needs ${wide} 3x3 layers but the network has ${depth}; use depth >= ${wide} or a smaller rf`,
    );
  }
  const sizes = new Array<number>(depth).fill(1);
  if (wide === 1) sizes[Math.floor((depth - 1) / 2)] = 3;
  else for (let i = 0; i < wide; i++) sizes[Math.round((i * (depth - 1)) / (wide - 1))] = 3;
  return sizes;
}

/** The receptive field of a stack of stride-1 convs with these kernel sizes. */
export function receptiveField(kernelSizes: number[]): number {
  return 1 + kernelSizes.reduce((s, k) => s + (k - 1), 0);
}
