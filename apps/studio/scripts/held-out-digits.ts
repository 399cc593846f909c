// Writes public/mnist-test-digits.png: the first 4 test digits of each class of MNIST's test set (held out from
// the training of every shipped MNIST model), zero-padded from 28x28 to 32x32 as the models read them, in a grid of
// 10 columns (classes 0..9) by 4 rows. The studio slices it into 32x32 digits to pick from.
// Run: npx tsx scripts/held-out-digits.ts (from apps/studio; needs the built @scalespace/data).
import { initBackend, tf, writeImage } from '@scalespace/core';
import { loadMnist } from '@scalespace/data';

const ROWS = 4;
const PAD = 2;

await initBackend('cpu', { log: false });
const test = await loadMnist('test');
const labels = test.labels!;
const picked: number[][] = Array.from({ length: 10 }, () => []);
for (let i = 0; i < test.size && picked.some((p) => p.length < ROWS); i++) {
  const list = picked[labels[i]];
  if (list.length < ROWS) list.push(i);
}
const side = 28 + 2 * PAD;
const grid = new Float32Array(ROWS * side * 10 * side);
for (let digit = 0; digit < 10; digit++) {
  for (let row = 0; row < ROWS; row++) {
    const bytes = test.get(picked[digit][row]);
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++)
        grid[(row * side + y + PAD) * 10 * side + digit * side + x + PAD] = bytes[y * 28 + x] / 255;
  }
}
const out = new URL('../public/mnist-test-digits.png', import.meta.url);
await writeImage(out.pathname, tf.tensor3d(grid, [ROWS * side, 10 * side, 1]));
console.log(`${out.pathname}: test indices ${JSON.stringify(picked)}`);
