#!/usr/bin/env python3
"""Converts OpenCV's BRISQUE LIVE model into packages/metrics/models/brisque-live.json, once.

Input: brisque_model_live.yml (a cv::ml::SVM, epsilon-SVR with an RBF kernel, saved by OpenCV's FileStorage) and
brisque_range_live.yml (the per-feature min / max used to scale features to [-1, 1]) from Debian's opencv-data:
    apt-get install opencv-data      # or: apt-get download opencv-data && dpkg -x opencv-data_*.deb /tmp/od
    python3 packages/metrics/scripts/convert-brisque-model.py [DIR_WITH_THE_YML_FILES]
Standard library only. When cv2 is importable the result is checked against cv2.ml.SVM_load.

Output fields: svmType, kernel, gamma, rho, alpha (one coefficient per support vector: the decision function is
sum_i alpha_i exp(-gamma |x - sv_i|^2) - rho), supportVectors ({ shape, dtype: float32, base64 } little-endian,
row-major), rangeMin / rangeMax (36 each, float32 values), and where it came from.
"""
import base64
import hashlib
import json
import re
import struct
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / 'models' / 'brisque-live.json'
SEARCH = [Path('/usr/share/opencv4/quality'), Path('/tmp/od/usr/share/opencv4/quality')]
NUMBER = r'[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?'


def bracketed(text, start):
    """The numbers of the first [ ... ] list at or after `start`, and the index after its ']'."""
    open_at = text.index('[', start)
    close_at = text.index(']', open_at)
    return [float(v) for v in re.findall(NUMBER, text[open_at + 1:close_at])], close_at + 1


def scalar(text, key, start=0):
    match = re.compile(rf'^\s*{key}:\s*(\S+)\s*$', re.M).search(text, start)
    if not match:
        raise SystemExit(f'key "{key}" not found in the model file')
    return match.group(1)


def f32(value):
    """The float32 nearest to value, as a Python float."""
    return struct.unpack('<f', struct.pack('<f', value))[0]


def shortest_f32(value):
    """The shortest decimal that reads back (as float32) to the same float32."""
    target = f32(value)
    for digits in range(1, 10):
        candidate = float(f'{target:.{digits}g}')
        if f32(candidate) == target:
            return candidate
    return target


def debian_version(package):
    try:
        return subprocess.run(['dpkg-query', '-W', '-f=${Version}', package], capture_output=True, text=True,
                              check=True).stdout.strip() or 'unknown'
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def main():
    dirs = [Path(sys.argv[1])] if len(sys.argv) > 1 else SEARCH
    folder = next((d for d in dirs if (d / 'brisque_model_live.yml').exists()), None)
    if folder is None:
        raise SystemExit(f'brisque_model_live.yml not found in {", ".join(map(str, dirs))}: apt-get install opencv-data')
    model_path, range_path = folder / 'brisque_model_live.yml', folder / 'brisque_range_live.yml'
    model = model_path.read_text()
    ranges = range_path.read_text()

    svm_type = scalar(model, 'svmType')
    kernel = scalar(model, 'type', model.index('kernel:'))
    if svm_type != 'EPS_SVR' or kernel != 'RBF':
        raise SystemExit(f'expected an EPS_SVR model with an RBF kernel, got {svm_type} / {kernel}')
    gamma = float(scalar(model, 'gamma'))
    var_count = int(scalar(model, 'var_count'))
    sv_total = int(scalar(model, 'sv_total'))

    # support vectors: a sequence of "- [ ... ]" rows between "support_vectors:" and "decision_functions:"
    pos = model.index('support_vectors:')
    end = model.index('decision_functions:')
    vectors = []
    while True:
        nxt = model.find('[', pos)
        if nxt < 0 or nxt > end:
            break
        row, pos = bracketed(model, nxt)
        if len(row) != var_count:
            raise SystemExit(f'support vector {len(vectors)} has {len(row)} values, expected {var_count}')
        vectors.append(row)
    if len(vectors) != sv_total:
        raise SystemExit(f'read {len(vectors)} support vectors, the file says {sv_total}')

    if model.count('sv_count:') != 1:
        raise SystemExit('expected exactly one decision function (regression)')
    sv_count = int(scalar(model, 'sv_count', end))
    rho = float(scalar(model, 'rho', end))
    if 'index:' in model[end:]:
        raise SystemExit('the decision function has an index list; this converter expects all support vectors in order')
    alpha, _ = bracketed(model, model.index('alpha:', end))
    if sv_count != sv_total or len(alpha) != sv_total:
        raise SystemExit(f'sv_count {sv_count}, {len(alpha)} coefficients, {sv_total} support vectors: expected equal')

    rows, cols = int(scalar(ranges, 'rows')), int(scalar(ranges, 'cols'))
    data, _ = bracketed(ranges, ranges.index('data:'))
    if rows != 2 or cols != var_count or len(data) != rows * cols:
        raise SystemExit(f'range: expected 2 x {var_count} values, got {rows} x {cols} ({len(data)})')

    packed = struct.pack(f'<{sv_total * var_count}f', *[v for row in vectors for v in row])
    out = {
        'name': 'brisque-live',
        'source': 'OpenCV contrib quality module, samples/brisque_model_live.yml + brisque_range_live.yml '
                  f'(Debian opencv-data {debian_version("opencv-data")}, /usr/share/opencv4/quality)',
        'sha256': {
            'brisque_model_live.yml': hashlib.sha256(model_path.read_bytes()).hexdigest(),
            'brisque_range_live.yml': hashlib.sha256(range_path.read_bytes()).hexdigest(),
        },
        'svmType': 'EPS_SVR',
        'kernel': 'RBF',
        'gamma': gamma,
        'rho': rho,
        'featureCount': var_count,
        'rangeMin': [shortest_f32(v) for v in data[:cols]],
        'rangeMax': [shortest_f32(v) for v in data[cols:]],
        'alpha': alpha,
        'supportVectors': {
            'shape': [sv_total, var_count],
            'dtype': 'float32',
            'byteOrder': 'little-endian',
            'base64': base64.b64encode(packed).decode('ascii'),
        },
    }
    cross_check(model_path, range_path, out, vectors)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # one top-level key a line: short, and diffs show which part changed
    OUT.write_text('{\n' + ',\n'.join(f' {json.dumps(k)}: {json.dumps(v)}' for k, v in out.items()) + '\n}\n')
    print(f'wrote {OUT} ({OUT.stat().st_size} bytes): {sv_total} support vectors x {var_count}, '
          f'gamma {gamma}, rho {rho}')


def cross_check(model_path, range_path, out, vectors):
    try:
        import cv2
        import numpy as np
    except ImportError:
        print('cv2 not importable: skipped the check against cv2.ml.SVM_load')
        return
    svm = cv2.ml.SVM_load(str(model_path))
    sv = svm.getSupportVectors()
    alpha, index = svm.getDecisionFunction(0)[1:]
    rho = svm.getDecisionFunction(0)[0]
    storage = cv2.FileStorage(str(range_path), cv2.FILE_STORAGE_READ)  # keep it alive while reading the node
    lo, hi = storage.getNode('range').mat()
    ok = (np.array_equal(sv, np.array(vectors, np.float32)) and np.array_equal(alpha.ravel(), out['alpha'])
          and np.array_equal(index.ravel(), np.arange(len(vectors))) and rho == out['rho']
          and svm.getGamma() == out['gamma'] and np.array_equal(lo, np.float32(out['rangeMin']))
          and np.array_equal(hi, np.float32(out['rangeMax'])))
    if not ok:
        raise SystemExit('the parsed model differs from what cv2.ml.SVM_load reads')
    print('checked: identical to cv2.ml.SVM_load / cv2.FileStorage')


if __name__ == '__main__':
    main()
