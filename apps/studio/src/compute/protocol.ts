// What the page and the compute worker say to each other. Images cross as plain typed arrays, so the page
// itself never loads TensorFlow.js: the worker holds the backend, the models and every tensor.

/** A float image in [0, 1], [height, width, channels] in row-major order. */
export interface Picture {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

/** 8-bit RGBA pixels as a canvas gives them (an `ImageData`'s fields). */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** Where the work runs, for the status bar. */
export interface ComputeStatus {
  backend: string;
  /** core's description of the backend: wasm's SIMD and threads, the GPU adapter and whether it is a fallback. */
  label: string;
  /** Tensors alive in the worker after the last task (the models' weights included). */
  numTensors: number;
  /** Seconds the backend took to start. */
  startSeconds: number;
}

/** A step of long work; `estimateSeconds` alone (no step/total) announces a synchronous call's expected length. */
export interface Progress {
  step?: number;
  total?: number;
  phase?: string;
  estimateSeconds?: number;
}

export type Request =
  | { type: 'init'; backend: string | null }
  | { type: 'run'; id: number; task: string; input: unknown }
  | { type: 'cancel'; id: number };

export type Reply =
  | { type: 'ready'; status: ComputeStatus }
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'done'; id: number; output: unknown; status: ComputeStatus }
  | { type: 'error'; id: number | null; name: string; message: string };

/** The typed arrays' buffers inside a message, to transfer rather than copy. */
export function transferables(value: unknown, found: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && !found.includes(value.buffer)) found.push(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) transferables(item, found);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) transferables(item, found);
  }
  return found;
}
