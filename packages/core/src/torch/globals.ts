import { CheckpointError } from '../errors.js';
import { NUMPY_GLOBALS } from './numpy.js';
import { type CallContext, isPlainDict, KnownGlobal, PickleGlobal, PickleObject, setEntry } from './pickle-objects.js';
import {
  STORAGE_DTYPES,
  StorageRef,
  StorageType,
  TORCH_DTYPE_NAMES,
  type TorchDtype,
  type TorchTensorValue,
} from './storage.js';

// The whitelist of globals a checkpoint may use: each one builds plain data from its arguments. Everything
// else (model classes, functions, os.system) stays an opaque PickleObject and is never run.

/** Makes the tensors that _rebuild_tensor* describe; their values are read once the storages are. */
export type TensorOnStorage = (
  storage: StorageRef,
  offset: number,
  shape: number[],
  stride: number[],
  at: number,
  dtype?: TorchDtype,
) => TorchTensorValue;

function isIntList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v));
}

function rebuildTensor(name: string, makeTensor: TensorOnStorage, dtypeArg?: number): KnownGlobal {
  return new KnownGlobal('torch._utils', name, (args, context) => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef) || !Number.isInteger(offset) || !isIntList(size) || !isIntList(stride)) {
      throw new CheckpointError(
        `torch._utils.${name} got arguments it does not expect (storage, offset, size, stride) at pickle byte ${context.at}`,
      );
    }
    let dtype: TorchDtype | undefined;
    if (dtypeArg !== undefined) {
      const named = args[dtypeArg];
      dtype = typeof named === 'string' ? TORCH_DTYPE_NAMES[named.replace(/^torch\./, '')] : undefined;
      if (!dtype) throw new CheckpointError(`a tensor has dtype ${String(named)}, which the reader cannot decode`);
    }
    return makeTensor(storage, offset as number, size, stride, context.at, dtype);
  });
}

/** Calls a function a rebuild helper was given (itself a whitelisted global), or keeps it opaque. */
function callInner(fn: unknown, args: unknown, context: CallContext): unknown {
  const list = Array.isArray(args) ? args : [args];
  if (fn instanceof KnownGlobal) return fn.call(list, context);
  if (fn instanceof PickleGlobal) return new PickleObject(fn.module, fn.name, list);
  throw new CheckpointError(
    `a tensor rebuild names ${String(fn)}, which is not a function (pickle byte ${context.at})`,
  );
}

/** dict(pairs) / OrderedDict(pairs): a plain object. */
function makeDict(args: unknown[]): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  const pairs = args[0];
  if (Array.isArray(pairs)) for (const pair of pairs) if (Array.isArray(pair)) setEntry(dict, pair[0], pair[1]);
  if (isPlainDict(pairs)) for (const [k, v] of Object.entries(pairs)) setEntry(dict, k, v);
  return dict;
}

/** _codecs.encode(text, encoding): how protocol 2 pickles bytes. */
function encodeText(args: unknown[], context: CallContext): Uint8Array {
  const [text, encoding = 'utf-8'] = args;
  if (typeof text !== 'string') throw new CheckpointError(`_codecs.encode needs a string (pickle byte ${context.at})`);
  const codec = String(encoding).toLowerCase().replace(/[-_]/g, '');
  if (codec === 'latin1' || codec === 'iso88591') return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  if (codec === 'utf8') return new TextEncoder().encode(text);
  throw new CheckpointError(
    `_codecs.encode with encoding ${String(encoding)} is not supported (pickle byte ${context.at})`,
  );
}

function makeBytes(args: unknown[], context: CallContext): Uint8Array {
  if (args.length === 0) return new Uint8Array(0);
  if (typeof args[0] === 'string') return encodeText(args, context);
  if (args[0] instanceof Uint8Array) return args[0].slice();
  if (isIntList(args[0])) return Uint8Array.from(args[0]);
  throw new CheckpointError(`bytes() with these arguments is not supported (pickle byte ${context.at})`);
}

function makeDevice(args: unknown[]): string {
  const [type, index] = args;
  return index === undefined || index === null ? String(type) : `${String(type)}:${String(index)}`;
}

function makeNamespace(_args: unknown[], context: CallContext): Record<string, unknown> {
  const namespace: Record<string, unknown> = {};
  context.onBuild(namespace, (state) => {
    if (isPlainDict(state)) for (const [k, v] of Object.entries(state)) setEntry(namespace, k, v);
  });
  return namespace;
}

/** copyreg._reconstructor(cls, base, state) and copyreg.__newobj__(cls, *args): instantiate cls. */
function instantiate(cls: unknown, args: unknown[], context: CallContext): unknown {
  if (cls instanceof KnownGlobal) return cls.call(args, context);
  if (cls instanceof PickleGlobal) return new PickleObject(cls.module, cls.name, args);
  throw new CheckpointError(`cannot instantiate ${String(cls)} (pickle byte ${context.at})`);
}

const OTHER_DTYPES = new Set(
  'complex32 complex64 complex128 cfloat cdouble qint8 quint8 qint32 quint4x2 uint16 uint32 uint64 float8_e4m3fn float8_e5m2'.split(
    ' ',
  ),
);

/** Resolves a global for the unpickler: a KnownGlobal, a marker value, or undefined (opaque). */
export function createGlobals(makeTensor: TensorOnStorage): (module: string, name: string) => unknown {
  const known: Record<string, KnownGlobal> = { ...NUMPY_GLOBALS };
  const add = (module: string, name: string, call: KnownGlobal['call']) => {
    known[`${module}.${name}`] = new KnownGlobal(module, name, call);
  };
  for (const g of [
    rebuildTensor('_rebuild_tensor', makeTensor),
    rebuildTensor('_rebuild_tensor_v2', makeTensor),
    rebuildTensor('_rebuild_tensor_v3', makeTensor, 6),
  ])
    known[`torch._utils.${g.name}`] = g;
  add('torch._utils', '_rebuild_parameter', (args) => args[0]);
  add('torch._utils', '_rebuild_parameter_with_state', (args) => args[0]);
  for (const name of ['_rebuild_from_type', '_rebuild_from_type_v2'])
    add('torch._tensor', name, (args, context) => callInner(args[0], args[2], context));
  add('torch', 'Size', (args) => (Array.isArray(args[0]) ? [...args[0]] : []));
  add('torch', 'device', makeDevice);
  add('collections', 'OrderedDict', makeDict);
  add('collections', 'defaultdict', () => ({}));
  add('builtins', 'dict', makeDict);
  for (const name of ['set', 'frozenset', 'list', 'tuple'])
    add('builtins', name, (args) => (Array.isArray(args[0]) ? [...args[0]] : []));
  add('builtins', 'bytes', makeBytes);
  add('builtins', 'bytearray', makeBytes);
  add('builtins', 'slice', ([start, stop, step]) => ({ start, stop, step }));
  add('_codecs', 'encode', encodeText);
  add('argparse', 'Namespace', makeNamespace);
  add('copyreg', '_reconstructor', ([cls], context) => instantiate(cls, [], context));
  add('copyreg', '__newobj__', ([cls, ...args], context) => instantiate(cls, args, context));

  return (module, name) => {
    const hit = known[`${module}.${name}`];
    if (hit) return hit;
    if ((module === 'torch' || module === 'torch.cuda') && name.endsWith('Storage'))
      return new StorageType(name, STORAGE_DTYPES[name]);
    if (module === 'torch' && TORCH_DTYPE_NAMES[name]) return `torch.${TORCH_DTYPE_NAMES[name]}`;
    if (module === 'torch' && OTHER_DTYPES.has(name)) return `torch.${name}`;
    return undefined;
  };
}
