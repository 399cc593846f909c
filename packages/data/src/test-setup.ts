// vitest setup: the tests run on the wasm backend (the fast one on CPU).
import { tf } from '@scalespace/core';
import { beforeAll } from 'vitest';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
