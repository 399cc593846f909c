import { decodeValues } from '../safetensors.js';
import { toNumber } from './pickle-literals.js';
import { type CallContext, KnownGlobal, PickleGlobal, PickleObject } from './pickle-objects.js';
import { decodeView, type TorchDtype, TorchTensorValue } from './storage.js';

// numpy scalars and arrays inside checkpoints (hyper-parameters, metrics, small arrays), rebuilt from their
// pickled bytes as data: numeric arrays become tensors, scalars numbers. Other dtypes (strings, objects,
// structured records) stay opaque PickleObjects.

const DESCR: Record<string, TorchDtype> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  b1: 'bool',
};

/** A numpy dtype: its type code (f8, i4, ...) and byte order ('<', '>', '|' or '=' native). */
export class NumpyDtype {
  byteOrder = '=';
  structured = false;
  constructor(readonly descr: string) {}

  get torchDtype(): TorchDtype | undefined {
    return this.structured ? undefined : DESCR[this.descr];
  }
}

/** numpy.dtype(descr, align, copy); BUILD then sets the byte order (and marks structured dtypes). */
function makeDtype(args: unknown[], context: CallContext): unknown {
  const dtype = new NumpyDtype(String(args[0]));
  context.onBuild(dtype, (state) => {
    if (!Array.isArray(state)) return;
    const [, byteOrder, , names] = state; // (version, byte order, subarray, names, fields, ...)
    if (typeof byteOrder === 'string') dtype.byteOrder = byteOrder;
    if (names !== null && names !== undefined) dtype.structured = true;
  });
  return dtype;
}

/** numpy's _reconstruct(ndarray, shape, typecode): a placeholder that BUILD turns into a tensor. */
function reconstruct(args: unknown[], context: CallContext): unknown {
  const placeholder = new PickleObject('numpy', 'ndarray', args);
  const subtype = args[0];
  if (!(subtype instanceof PickleGlobal && subtype.name === 'ndarray')) return placeholder; // matrix, masked, ...
  context.onBuild(placeholder, (state) => {
    placeholder.state = state;
    const tensor = arrayFromState(state);
    if (tensor) context.replace(placeholder, tensor);
  });
  return placeholder;
}

/** The tensor of an ndarray's pickled state (version, shape, dtype, fortran order, raw bytes), if numeric. */
function arrayFromState(state: unknown): TorchTensorValue | undefined {
  if (!Array.isArray(state)) return undefined;
  const [shape, dtype, fortran, raw] = state.length === 5 ? state.slice(1) : state;
  return arrayFromBytes(shape, dtype, fortran === true, raw);
}

/** numpy's _frombuffer(buffer, dtype, shape, order): how pickle protocol 5 stores arrays. */
function fromBuffer(args: unknown[]): unknown {
  const [raw, dtype, shape, order] = args;
  return arrayFromBytes(shape, dtype, order === 'F', raw) ?? new PickleObject('numpy', '_frombuffer', args);
}

function arrayFromBytes(shape: unknown, dtype: unknown, fortran: boolean, raw: unknown): TorchTensorValue | undefined {
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array) || !Array.isArray(shape)) return undefined;
  const torchDtype = dtype.torchDtype;
  if (!torchDtype || !shape.every((d) => Number.isInteger(d) && d >= 0)) return undefined;
  const dims = shape as number[];
  const stride = new Array<number>(dims.length);
  let step = 1;
  const order = fortran ? dims.map((_, i) => i) : dims.map((_, i) => dims.length - 1 - i);
  for (const axis of order) {
    stride[axis] = step;
    step *= dims[axis];
  }
  const tensor = new TorchTensorValue(torchDtype, [...dims]);
  tensor.values = decodeView(
    raw,
    { dtype: torchDtype, offset: 0, shape: dims, stride },
    { bigEndian: dtype.byteOrder === '>', name: 'a numpy array' },
  );
  return tensor;
}

/** numpy's scalar(dtype, bytes): a number (float64 and int64 at full precision) or a boolean. */
function scalar(args: unknown[]): unknown {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array) || !dtype.torchDtype)
    return new PickleObject('numpy', 'scalar', args);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const little = dtype.byteOrder !== '>';
  switch (dtype.torchDtype) {
    case 'float64':
      return view.getFloat64(0, little);
    case 'float32':
      return view.getFloat32(0, little);
    case 'int64':
      return toNumber(view.getBigInt64(0, little));
    case 'int32':
      return view.getInt32(0, little);
    case 'int16':
      return view.getInt16(0, little);
    case 'int8':
      return view.getInt8(0);
    case 'uint8':
      return view.getUint8(0);
    case 'bool':
      return view.getUint8(0) !== 0;
    default: {
      const bytes = little ? raw.slice(0, 2) : raw.slice(0, 2).reverse();
      return decodeValues('F16', bytes, 1, 'a numpy scalar')[0];
    }
  }
}

/** The numpy globals the reader interprets, by "module.name" (numpy 1 and numpy 2 module paths). */
export const NUMPY_GLOBALS: Record<string, KnownGlobal> = {};
for (const core of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
  NUMPY_GLOBALS[`${core}._reconstruct`] = new KnownGlobal(core, '_reconstruct', reconstruct);
  NUMPY_GLOBALS[`${core}.scalar`] = new KnownGlobal(core, 'scalar', scalar);
}
for (const numeric of ['numpy.core.numeric', 'numpy._core.numeric'])
  NUMPY_GLOBALS[`${numeric}._frombuffer`] = new KnownGlobal(numeric, '_frombuffer', fromBuffer);
NUMPY_GLOBALS['numpy.dtype'] = new KnownGlobal('numpy', 'dtype', makeDtype);
