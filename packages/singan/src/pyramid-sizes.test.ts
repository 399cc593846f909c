import { InvalidArgumentError, InvalidImageError } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { parseSize, pyramidSizes, scaleSizes } from './pyramid-sizes.js';

describe('pyramidSizes', () => {
  it('spaces scales by ~0.75 from 25 px up to the 128 px training size', () => {
    const { sizes, scaleFactor } = pyramidSizes({
      imageSize: [128, 128],
      maxSize: 128,
      minSize: 25,
      scaleFactor: 0.75,
    });
    expect(sizes.map(([h]) => h)).toEqual([25, 33, 43, 57, 74, 97, 128]);
    expect(scaleFactor).toBeCloseTo((25 / 128) ** (1 / 6), 10);
  });

  it('shrinks large images to maxSize, keeps the aspect ratio and ends with shortest side = minSize', () => {
    const { sizes } = pyramidSizes({ imageSize: [300, 600], maxSize: 128, minSize: 25, scaleFactor: 0.75 });
    expect(sizes[sizes.length - 1]).toEqual([64, 128]);
    expect(Math.min(...sizes[0])).toBe(25);
  });

  it('rejects an image smaller than the coarsest scale, saying what to change', () => {
    expect(() => pyramidSizes({ imageSize: [20, 40], maxSize: 128, minSize: 25, scaleFactor: 0.75 })).toThrow(
      InvalidImageError,
    );
    expect(() => pyramidSizes({ imageSize: [20, 40], maxSize: 128, minSize: 25, scaleFactor: 0.75 })).toThrow(
      /smaller than the coarsest scale/,
    );
  });

  it('scales the pyramid to other sizes and parses WIDTHxHEIGHT', () => {
    const { sizes } = pyramidSizes({ imageSize: [128, 128], maxSize: 128, minSize: 25, scaleFactor: 0.75 });
    const wide = scaleSizes(sizes, parseSize('256x128'));
    expect(wide[wide.length - 1]).toEqual([128, 256]);
    expect(wide[0]).toEqual([25, 50]);
    expect(() => parseSize('256-128')).toThrow(InvalidArgumentError);
  });
});
