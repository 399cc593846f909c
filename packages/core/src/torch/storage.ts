import { CheckpointError } from '../errors.js';
import { decodeValues, type HostTensor } from '../safetensors.js';

// PyTorch storages and the tensors that view them: dtypes, and materialising a (possibly strided,
// offset, shared) view of a storage's raw bytes into a contiguous host array.

/** The PyTorch dtypes the reader decodes. */
export type TorchDtype =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** A tensor read from a PyTorch checkpoint: host values (floats as float32, integers as int32) and its dtype there. */
export interface TorchTensor extends HostTensor {
  sourceDtype: TorchDtype;
}

const DTYPES: Record<TorchDtype, { code: string; width: number }> = {
  float32: { code: 'F32', width: 4 },
  float16: { code: 'F16', width: 2 },
  bfloat16: { code: 'BF16', width: 2 },
  float64: { code: 'F64', width: 8 },
  int64: { code: 'I64', width: 8 },
  int32: { code: 'I32', width: 4 },
  int16: { code: 'I16', width: 2 },
  int8: { code: 'I8', width: 1 },
  uint8: { code: 'U8', width: 1 },
  bool: { code: 'BOOL', width: 1 },
};

/** The dtype of each legacy storage class name (torch.FloatStorage, ...). */
export const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** torch dtype names (and their aliases) -> TorchDtype. */
export const TORCH_DTYPE_NAMES: Record<string, TorchDtype> = {
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

export function dtypeWidth(dtype: TorchDtype): number {
  return DTYPES[dtype].width;
}

/** A tensor whose values the reader fills in once the storages are read. */
export class TorchTensorValue implements TorchTensor {
  dtype: HostTensor['dtype'];
  values: HostTensor['values'] = new Float32Array(0);
  constructor(
    readonly sourceDtype: TorchDtype,
    public shape: number[],
  ) {
    this.dtype = sourceDtype === 'bool' ? 'bool' : sourceDtype.includes('float') ? 'float32' : 'int32';
  }
}

/** Whether a value from a checkpoint's root is a tensor. */
export function isTorchTensor(value: unknown): value is TorchTensor {
  return value instanceof TorchTensorValue;
}

export interface StridedView {
  dtype: TorchDtype;
  /** Offset into the bytes, in elements. */
  offset: number;
  shape: number[];
  stride: number[];
}

/**
 * The values of a strided view of raw storage bytes, in row-major order. Element bytes are gathered
 * first (dtype-agnostic), byte-swapped when the file is big-endian, then decoded.
 */
export function decodeView(
  bytes: Uint8Array,
  view: StridedView,
  options: { bigEndian: boolean; name: string },
): HostTensor['values'] {
  const { dtype, offset, shape, stride } = view;
  const { code, width } = DTYPES[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length !== stride.length || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new CheckpointError(`"${options.name}": size [${shape}] and stride [${stride}] do not describe a tensor`);
  if (count > 0) {
    const last = offset + shape.reduce((s, d, i) => s + (d - 1) * stride[i], 0);
    if (offset < 0 || stride.some((s) => s < 0) || (last + 1) * width > bytes.length) {
      throw new CheckpointError(
        `"${options.name}": its view reaches element ${last} of a ${dtype} storage of ${Math.floor(bytes.length / width)} (truncated or corrupt file)`,
      );
    }
  }
  let gathered = isContiguous(shape, stride)
    ? bytes.subarray(offset * width, (offset + count) * width)
    : gather(bytes, view, count, width);
  if (options.bigEndian && width > 1) {
    gathered = gathered.slice();
    for (let i = 0; i < gathered.length; i += width) gathered.subarray(i, i + width).reverse();
  }
  return decodeValues(code, gathered, count, options.name);
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Copies the elements of a strided view into a contiguous buffer, row-major. */
function gather(bytes: Uint8Array, view: StridedView, count: number, width: number): Uint8Array {
  const { offset, shape, stride } = view;
  const out = new Uint8Array(count * width);
  if (count === 0) return out;
  const rank = shape.length;
  const inner = shape[rank - 1];
  const innerStride = stride[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let written = 0;
  for (let base = offset; ; ) {
    if (innerStride === 1) {
      out.set(bytes.subarray(base * width, (base + inner) * width), written);
      written += inner * width;
    } else {
      for (let k = 0; k < inner; k++) {
        const from = (base + k * innerStride) * width;
        for (let b = 0; b < width; b++) out[written++] = bytes[from + b];
      }
    }
    // Advance the outer index like an odometer.
    let axis = rank - 2;
    while (axis >= 0) {
      index[axis]++;
      base += stride[axis];
      if (index[axis] < shape[axis]) break;
      base -= stride[axis] * shape[axis];
      index[axis] = 0;
      axis--;
    }
    if (axis < 0) return out;
  }
}

/** A storage named by a persistent id: the element type and where its bytes are (resolved after unpickling). */
export class StorageRef {
  constructor(
    /** The record (zip) or storage key (legacy) holding its bytes. */
    readonly key: string,
    /** Its dtype, or undefined for a storage type the reader cannot decode (complex, quantized). */
    readonly dtype: TorchDtype | undefined,
    /** The storage class name, for messages (FloatStorage, ComplexFloatStorage, ...). */
    readonly typeName: string,
    /** Legacy views of a larger storage start this many elements into it. */
    readonly elementOffset = 0,
  ) {}
}

/** What a storage-class global (torch.FloatStorage, ...) unpickles to. */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: TorchDtype | undefined,
  ) {}
}

interface PendingView {
  tensor: TorchTensorValue;
  storage: StorageRef;
  offset: number;
  stride: number[];
}

/**
 * The tensors of one checkpoint whose storages are not read yet: unpickling records each view, and once
 * the file's storage bytes are at hand `materialize` decodes them (two views of one storage both read it).
 */
export class PendingTensors {
  readonly #views: PendingView[] = [];

  add(storage: StorageRef, offset: number, shape: number[], stride: number[], at: number, dtype?: TorchDtype) {
    const tensorDtype = dtype ?? storage.dtype;
    if (!tensorDtype) {
      throw new CheckpointError(
        `a tensor is stored as ${storage.typeName} (pickle byte ${at}); the reader decodes float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8 and bool tensors`,
      );
    }
    const tensor = new TorchTensorValue(tensorDtype, [...shape]);
    this.#views.push({ tensor, storage, offset, stride: [...stride] });
    return tensor;
  }

  /** The storage keys the views need. */
  keys(): Set<string> {
    return new Set(this.#views.map((v) => v.storage.key));
  }

  /** Decodes every view from its storage's bytes; `nameOf` names a tensor in messages. */
  materialize(
    bytesOf: (key: string) => Uint8Array,
    options: { bigEndian: boolean; nameOf: (tensor: TorchTensorValue) => string },
  ): void {
    for (const { tensor, storage, offset, stride } of this.#views) {
      const name = options.nameOf(tensor);
      tensor.values = decodeView(
        bytesOf(storage.key),
        { dtype: tensor.sourceDtype, offset: storage.elementOffset + offset, shape: tensor.shape, stride },
        { bigEndian: options.bigEndian, name },
      );
    }
  }
}

/** One checkpoint file after unpickling: its root, the tensors waiting for bytes and the storages' bytes. */
export interface ParsedCheckpoint {
  format: 'zip' | 'legacy';
  root: unknown;
  pending: PendingTensors;
  storages: Map<string, Uint8Array>;
  bigEndian: boolean;
}
