// IEEE 754 binary16 ("half") <-> number, for safetensors F16 tensors. Writing rounds to the nearest half,
// ties to even (as numpy's astype(float16) and PyTorch's .half() do): overflow goes to +-Infinity, values below
// half the smallest subnormal to +-0, NaN stays NaN.

const word = new DataView(new ArrayBuffer(4));

/** The value of a binary16 bit pattern (0..0xffff). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** The binary16 bit pattern nearest to the float32 value of `value` (ties to even). */
export function floatToHalf(value: number): number {
  word.setFloat32(0, value);
  const bits = word.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exp - 127 + 15; // the biased half exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // A subnormal half (or zero): the 24-bit significand shifted down to units of 2^-24.
    if (e < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - e;
    return sign | roundShift(significand, shift);
  }
  // A carry out of the mantissa moves into the exponent, up to Infinity: still the right encoding.
  return sign | ((e << 10) + roundShift(mantissa, 13));
}

/** x >>> shift rounded to nearest, ties to even. */
function roundShift(x: number, shift: number): number {
  const kept = x >>> shift;
  const rest = x & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}
