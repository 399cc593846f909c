import { InvalidArgumentError, tf } from '@scalespace/core';

/** A float32 tensor as a plain array, to cross a thread boundary (structured clone) and come back. */
export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

export type HostTensors = Record<string, HostTensor>;

/** Copies a float32 tensor to the host. */
export async function toHostTensor(t: tf.Tensor, name = 'tensor'): Promise<HostTensor> {
  if (t.dtype !== 'float32') throw new InvalidArgumentError(`toHost: "${name}" is ${t.dtype}, expected float32`);
  // A compact copy: a view into a backend's heap would clone the whole heap.
  return { shape: t.shape, values: new Float32Array(await t.data()) };
}

/** Copies named float32 tensors to the host. */
export async function toHost(named: Record<string, tf.Tensor>): Promise<HostTensors> {
  const entries = Object.entries(named);
  const hosts = await Promise.all(entries.map(([name, t]) => toHostTensor(t, name)));
  return Object.fromEntries(entries.map(([name], i) => [name, hosts[i]]));
}

/** The tensor of a `toHostTensor` copy (owned by the caller). */
export function fromHostTensor<T extends tf.Tensor = tf.Tensor>(h: HostTensor): T {
  return tf.tensor(h.values, h.shape, 'float32') as T;
}

/** Tensors from `toHost` (owned by the caller). */
export function fromHost(host: HostTensors): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(host).map(([name, h]) => [name, fromHostTensor(h)]));
}
