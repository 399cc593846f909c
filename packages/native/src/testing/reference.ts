// Plain-loop reference convolutions (NHWC, filter [kH, kW, inC, outC] or [kH, kW, C, multiplier]) for
// testing the addon without TensorFlow.js. Test-only.

export interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

export const geometryArgs = (g: Geometry) => [
  g.batch,
  g.inH,
  g.inW,
  g.inC,
  g.outH,
  g.outW,
  g.outC,
  g.kH,
  g.kW,
  g.strideH,
  g.strideW,
  g.dilationH,
  g.dilationW,
  g.padTop,
  g.padLeft,
];

/** Calls visit(xIndex, fIndex, yIndex) for every multiply-add of the conv (depthwise when `depthwise`). */
function forEachTap(g: Geometry, depthwise: boolean, visit: (xi: number, fi: number, yi: number) => void): void {
  const m = depthwise ? g.outC / g.inC : 1;
  for (let n = 0; n < g.batch; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH + kh * g.dilationH - g.padTop;
          if (ih < 0 || ih >= g.inH) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW + kw * g.dilationW - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            const yBase = ((n * g.outH + oh) * g.outW + ow) * g.outC;
            const xBase = ((n * g.inH + ih) * g.inW + iw) * g.inC;
            if (depthwise) {
              for (let c = 0; c < g.inC; c++)
                for (let j = 0; j < m; j++) visit(xBase + c, (kh * g.kW + kw) * g.outC + c * m + j, yBase + c * m + j);
            } else {
              for (let ci = 0; ci < g.inC; ci++)
                for (let co = 0; co < g.outC; co++)
                  visit(xBase + ci, ((kh * g.kW + kw) * g.inC + ci) * g.outC + co, yBase + co);
            }
          }
        }
}

export function convForward(g: Geometry, x: Float32Array, f: Float32Array, depthwise = false): Float64Array {
  const y = new Float64Array(g.batch * g.outH * g.outW * g.outC);
  forEachTap(g, depthwise, (xi, fi, yi) => {
    y[yi] += x[xi] * f[fi];
  });
  return y;
}

export function convBackpropInput(g: Geometry, dy: Float32Array, f: Float32Array, depthwise = false): Float64Array {
  const dx = new Float64Array(g.batch * g.inH * g.inW * g.inC);
  forEachTap(g, depthwise, (xi, fi, yi) => {
    dx[xi] += dy[yi] * f[fi];
  });
  return dx;
}

export function convBackpropFilter(g: Geometry, x: Float32Array, dy: Float32Array, depthwise = false): Float64Array {
  const df = new Float64Array(g.kH * g.kW * (depthwise ? g.outC : g.inC * g.outC));
  forEachTap(g, depthwise, (xi, fi, yi) => {
    df[fi] += x[xi] * dy[yi];
  });
  return df;
}

/** Row-major op(A) op(B) for one matrix pair. */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
      c[i * n + j] = s;
    }
  return c;
}

/** max |a - b| / max |b|. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
