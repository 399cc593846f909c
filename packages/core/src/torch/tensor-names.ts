import { CheckpointError } from '../errors.js';
import { isPlainDict, PickleObject } from './pickle-objects.js';
import { type TorchTensor, TorchTensorValue } from './storage.js';

// Names every tensor reachable from a checkpoint's root by its dotted path: dict keys and list indices;
// a pickled nn.Module contributes the names its state_dict() has (parameters, persistent buffers,
// submodules), then any public attribute holding tensors; other opaque objects their state's keys,
// `args.<i>`, list items and dict entries.

export interface TensorNames {
  tensors: Record<string, TorchTensor>;
  /** The first name of each tensor object (for messages). */
  nameOf: Map<TorchTensorValue, string>;
}

const MODULE_PREFIX = 'module.';

function isModuleState(state: unknown): state is Record<string, unknown> {
  return isPlainDict(state) && isPlainDict(state._parameters) && isPlainDict(state._modules);
}

export function nameTensors(root: unknown, options: { stripModulePrefix?: boolean } = {}): TensorNames {
  const strip = options.stripModulePrefix === true;
  const tensors: Record<string, TorchTensor> = {};
  const nameOf = new Map<TorchTensorValue, string>();
  const ancestors = new Set<object>();

  const add = (path: string[], tensor: TorchTensorValue) => {
    let name = path.join('.');
    if (strip && name.startsWith(MODULE_PREFIX)) name = name.slice(MODULE_PREFIX.length);
    const existing = tensors[name];
    if (existing && existing !== tensor) {
      throw new CheckpointError(
        `two different tensors are both named "${name}"${strip ? ' once "module." is stripped; read without stripModulePrefix' : ''}`,
      );
    }
    Object.defineProperty(tensors, name, { value: tensor, enumerable: true, writable: true, configurable: true });
    if (!nameOf.has(tensor)) nameOf.set(tensor, name);
  };
  const key = (k: string) => (strip && k.startsWith(MODULE_PREFIX) ? k.slice(MODULE_PREFIX.length) : k);
  const walkEntries = (dict: Record<string, unknown>, path: string[], skip?: (k: string) => boolean) => {
    for (const [k, v] of Object.entries(dict)) if (!skip?.(k)) walk(v, [...path, key(k)]);
  };

  const walkList = (list: unknown[], path: string[]) => {
    for (const [i, v] of list.entries()) walk(v, [...path, String(i)]);
  };

  const walk = (value: unknown, path: string[]): void => {
    if (value instanceof TorchTensorValue) {
      add(path, value);
      return;
    }
    if (typeof value !== 'object' || value === null || ancestors.has(value)) return;
    ancestors.add(value);
    if (Array.isArray(value)) walkList(value, path);
    else if (isPlainDict(value)) walkEntries(value, path);
    else if (value instanceof PickleObject) walkObject(value, path);
    ancestors.delete(value);
  };

  const walkObject = (object: PickleObject, path: string[]) => {
    // BUILD's state may be a (dict, slots) pair.
    const state = Array.isArray(object.state) && isPlainDict(object.state[0]) ? object.state[0] : object.state;
    if (isModuleState(state)) {
      const nonPersistent = new Set(
        Array.isArray(state._non_persistent_buffers_set) ? state._non_persistent_buffers_set.map(String) : [],
      );
      walkEntries(state._parameters as Record<string, unknown>, path);
      if (isPlainDict(state._buffers)) walkEntries(state._buffers, path, (k) => nonPersistent.has(k));
      walkEntries(state._modules as Record<string, unknown>, path);
      walkEntries(state, path, (k) => k.startsWith('_')); // torch's own attributes all start with _
      return;
    }
    if (isPlainDict(state)) walkEntries(state, path);
    else if (state !== undefined) walk(state, [...path, 'state']);
    walkList(object.args, [...path, 'args']);
    if (object.items) walkList(object.items, path);
    if (object.entries) walkEntries(object.entries, path);
  };

  walk(root, []);
  return { tensors, nameOf };
}
