import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@scalespace/core';

// The BRISQUE regressor: an epsilon-SVR with an RBF kernel in the JSON form that
// scripts/convert-brisque-model.py writes from OpenCV's brisque_model_live.yml / brisque_range_live.yml.
// Features are scaled per column to [-1, 1] with the range file's min / max, then
// score = sum_i alpha_i exp(-gamma |x - sv_i|^2) - rho, in single precision where OpenCV uses it.

/** A BRISQUE model as stored in `models/brisque-live.json` (parsed JSON). */
export interface BrisqueModel {
  name: string;
  svmType: 'EPS_SVR';
  kernel: 'RBF';
  gamma: number;
  rho: number;
  featureCount: number;
  rangeMin: number[];
  rangeMax: number[];
  alpha: number[];
  supportVectors: { shape: [number, number]; dtype: 'float32'; byteOrder: 'little-endian'; base64: string };
}

interface PreparedModel {
  model: BrisqueModel;
  vectors: Float32Array;
  count: number;
  rangeMin: Float32Array;
  rangeMax: Float32Array;
}

const f32 = Math.fround;
const prepared = new WeakMap<BrisqueModel, PreparedModel>();
let defaultModel: BrisqueModel | undefined;

/** Where the LIVE model ships: `models/brisque-live.json` beside `src/` and `dist/`. */
export function defaultBrisqueModelPath(): string {
  return fileURLToPath(new URL('../models/brisque-live.json', import.meta.url));
}

function decodeFloat32(base64: string, count: number): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (bytes.length !== 4 * count) {
    throw new InvalidArgumentError(`BRISQUE model: support vectors hold ${bytes.length} bytes, expected ${4 * count}`);
  }
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function prepare(model: BrisqueModel): PreparedModel {
  const cached = prepared.get(model);
  if (cached) return cached;
  const problem = (what: string) =>
    new InvalidArgumentError(
      `BRISQUE model "${model?.name}": ${what}; pass a model written by scripts/convert-brisque-model.py`,
    );
  if (model?.svmType !== 'EPS_SVR' || model.kernel !== 'RBF') throw problem('expected an EPS_SVR model, RBF kernel');
  const [count, dims] = model.supportVectors?.shape ?? [0, 0];
  if (dims !== model.featureCount || model.alpha?.length !== count || count === 0) {
    throw problem(`${model.alpha?.length} coefficients for ${count} support vectors of ${dims} values`);
  }
  if (model.rangeMin?.length !== dims || model.rangeMax?.length !== dims)
    throw problem(`expected ${dims} range values`);
  const ready: PreparedModel = {
    model,
    count,
    vectors: decodeFloat32(model.supportVectors.base64, count * dims),
    rangeMin: Float32Array.from(model.rangeMin),
    rangeMax: Float32Array.from(model.rangeMax),
  };
  prepared.set(model, ready);
  return ready;
}

/** Reads a BRISQUE model JSON; without a path, the LIVE model that ships with the package (read once, cached). */
export function loadBrisqueModel(path?: string): BrisqueModel {
  if (path === undefined && defaultModel) return defaultModel;
  const file = path ?? defaultBrisqueModelPath();
  let model: BrisqueModel;
  try {
    model = JSON.parse(readFileSync(file, 'utf8')) as BrisqueModel;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidArgumentError(`cannot read the BRISQUE model "${file}": ${reason}`, { cause: error });
  }
  prepare(model);
  if (path === undefined) defaultModel = model;
  return model;
}

/** Features scaled to [-1, 1] with the model's range (float32, as OpenCV's quality_utils::scale). */
export function scaleBrisqueFeatures(model: BrisqueModel, features: readonly number[]): Float32Array {
  const { rangeMin, rangeMax } = prepare(model);
  if (features.length !== rangeMin.length) {
    throw new InvalidArgumentError(`BRISQUE: expected ${rangeMin.length} features, got ${features.length}`);
  }
  return Float32Array.from(features, (v, i) =>
    f32(-1 + f32(f32(2 * f32(f32(v) - rangeMin[i])) / f32(rangeMax[i] - rangeMin[i]))),
  );
}

/** The SVR output for unscaled features (not clamped). */
export function predictBrisque(model: BrisqueModel, features: readonly number[]): number {
  const ready = prepare(model);
  const x = scaleBrisqueFeatures(model, features);
  const dims = x.length;
  const { vectors, count } = ready;
  const { alpha, gamma, rho } = model;
  let sum = -rho;
  for (let j = 0; j < count; j++) {
    // squared distance in double from float32 differences, summed in pairs as OpenCV's kernel does
    const row = j * dims;
    let distance = 0;
    let k = 0;
    for (; k + 1 < dims; k += 2) {
      const d0 = f32(vectors[row + k] - x[k]);
      const d1 = f32(vectors[row + k + 1] - x[k + 1]);
      distance += d0 * d0 + d1 * d1;
    }
    for (; k < dims; k++) {
      const d = f32(vectors[row + k] - x[k]);
      distance += d * d;
    }
    // the kernel value is a float32 (OpenCV's exp on floats differs from this one in the last bit or so)
    sum += alpha[j] * f32(Math.exp(f32(-gamma * distance)));
  }
  return f32(sum);
}
