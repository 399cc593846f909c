"""Checkpoints written by real PyTorch, for the tests of @scalespace/core's readTorchCheckpoint.

Writes into packages/core/fixtures/torch/ (all tiny):
  cases.{zip,legacy}.pt       every dtype, views with offsets, a transposed view, a shared storage, nested
                              dict/list/tuple/set, numbers, strings, bytes, an nn.Parameter, torch.Size /
                              device / dtype, numpy scalars and arrays, an argparse.Namespace
  state-dict.{zip,legacy}.pt  an OrderedDict state dict of nn.DataParallel(TinyNet()): `module.` prefixes
  module.{zip,legacy}.pt      a whole pickled TinyNet (a class defined here)
  cases.p5.zip.pt             the cases with pickle protocol 5 (FRAME, STACK_GLOBAL, MEMOIZE, BYTEARRAY8, ...)
  cases.p1.legacy.pt          the cases with pickle protocol 1 (what old PyTorch under Python 2 could write)
  plain.p0.legacy.pt          plain data (no tensors) with the text opcodes of pickle protocol 0
  cases.zip64.pt              cases.zip.pt re-zipped by Info-ZIP with ZIP64 records, entries stored, its
                              folder renamed (any record prefix is valid)
  cases.deflated.pt           the same, entries deflated (a user re-zipped the checkpoint)
  big-endian.pt               a zip checkpoint with a `byteorder` record saying big and byte-swapped storages
                              (what torch >= 2.1 writes on a big-endian machine)
  int64-overflow.pt           an int64 tensor whose values do not fit int32
  unknown-opcode.pt           a legacy checkpoint whose main pickle has an opcode byte pickle does not define
  code-execution.pt           a legacy checkpoint that would run os.system('echo pwned') if unpickled by Python
  old-tar.pt                  the tar layout of PyTorch < 0.1.10
  not-torch.zip               a zip archive without data.pkl
  not-a-checkpoint.bin        random bytes
  expected.safetensors        every tensor of every readable file, named "<file>:<tensor name>", as the reader
                              should decode it (floats as float32, integers as int32, bool as bool)
  expected.json               per readable file: its format, each tensor's source dtype and shape, and its
                              root rendered as JSON (tensors as {"$tensor": dtype, "shape": [...]}, objects of
                              unknown classes as {"$object": "module.Name"}, bytes as {"$bytes": hex}, Python
                              ints beyond 2^53 as {"$bigint": "digits"})

Run from the repository root: /usr/bin/python3 scripts/parity/torch-reader/make_fixtures.py
"""
import argparse
import collections
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from parity_common import provenance, write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'packages', 'core', 'fixtures', 'torch')
OUT = os.path.normpath(OUT)


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.blocks = nn.ModuleList([nn.Linear(4, 2), nn.Linear(2, 2, bias=False)])
        self.register_buffer('scale', torch.tensor([2.0, 3.0]), persistent=False)
        self.extra = torch.arange(3, dtype=torch.int64)  # a plain tensor attribute: not in state_dict()
        self.label = 'tiny'
        with torch.no_grad():
            self.bn.running_mean.copy_(torch.randn(3))
            self.bn.running_var.copy_(torch.rand(3) + 0.5)
            self.bn.num_batches_tracked.fill_(7)


def make_cases():
    g = torch.Generator().manual_seed(0)
    base = (torch.arange(24, dtype=torch.float32) * 0.5 - 3).reshape(4, 6)
    shared = torch.randn(10, generator=g)
    floats = torch.randn(2, 3, generator=g) * 4
    return {
        'dtypes': {
            'float32': floats,
            'float16': floats.half(),
            'bfloat16': floats.bfloat16(),
            'float64': floats.double() / 3,
            'int64': torch.tensor([[-5, 0, 2**31 - 1], [-(2**31), 17, 1]], dtype=torch.int64),
            'int32': torch.tensor([-2**31, 2**31 - 1, 3], dtype=torch.int32),
            'int16': torch.tensor([-32768, 32767, -2], dtype=torch.int16),
            'int8': torch.tensor([-128, 127, 0, -1], dtype=torch.int8),
            'uint8': torch.tensor([0, 255, 128], dtype=torch.uint8),
            'bool': torch.tensor([[True, False], [False, True]]),
        },
        'views': {
            'base': base,
            'rows': base[1:3],  # storage offset 6
            'block': base[1:3, 2:5],  # offset 8, strides (6, 1): not contiguous
            'transposed': base.t(),  # strides (1, 6)
            'column': base[:, 4],  # offset 4, stride 6
            'every_other_half': base.half()[::2, 1::2],  # a float16 view with strides (12, 2)
            'scalar': torch.tensor(3.5),
            'empty': torch.zeros(0, 3),
        },
        'shared': {'whole': shared, 'middle': shared[3:7], 'matrix': shared[:6].view(2, 3).t()},
        'nested': {
            'list': [torch.ones(2), (torch.full((1,), 2.0), 'x', 3), 1.5],
            'tuple': (1, -7, 2**40, 2**70, -(2**70), 0.1, -2.5e-8),
            'set': {1, 2, 3},
            'strings': ['plain', 'héllo wörld', ''],
            'bytes': b'\x00\x01\xfe',
            'bytearray': bytearray(b'\x05\x06'),
            'none': None,
            'flags': [True, False],
            'ordered': collections.OrderedDict([('z', 1), ('a', torch.tensor([4, 5], dtype=torch.int32))]),
        },
        'param': nn.Parameter(torch.randn(3, generator=g)),
        'torch_objects': {'size': torch.Size([2, 3]), 'device': torch.device('cpu'), 'dtype': torch.float16},
        'numpy': {
            'float64': np.float64(1.25),
            'int64': np.int64(-3),
            'array': np.arange(6, dtype=np.int16).reshape(2, 3),
            'fortran': np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3) / 4),
            'big_endian': np.arange(4, dtype='>f8') - 1.5,
        },
        'args': argparse.Namespace(lr=0.001, depth=21, name='run'),
    }


def render(value):
    """The JSON form of a loaded checkpoint's root that the reader's test rebuilds from its own output."""
    if isinstance(value, torch.Tensor):
        return {'$tensor': str(value.dtype).replace('torch.', ''), 'shape': list(value.shape)}
    if isinstance(value, np.ndarray):
        return {'$tensor': value.dtype.name, 'shape': list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.Size):
        return list(value)
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, torch.dtype):
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 else {'$bigint': str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {'$bytes': value.hex()}
    if isinstance(value, dict):
        return {str(k): render(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [render(v) for v in sorted(value)]
    if isinstance(value, argparse.Namespace):
        return render(vars(value))
    return {'$object': f'{type(value).__module__}.{type(value).__qualname__}'}


def as_expected(value):
    """A tensor or numpy array as the reader returns it: float32, int32 or bool."""
    array = value.detach().float().numpy() if isinstance(value, torch.Tensor) and value.is_floating_point() else None
    if array is None:
        array = value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        if array.dtype.kind == 'f':
            array = array.astype(np.float32)
        elif array.dtype.kind in 'iu':
            array = array.astype(np.int32)
    return np.ascontiguousarray(array)


def tensor_paths(value, prefix=''):
    """(name, tensor) for every tensor reachable from a test root, named as the reader names them."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        yield prefix[:-1], value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from tensor_paths(v, f'{prefix}{k}.')
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from tensor_paths(v, f'{prefix}{i}.')
    elif isinstance(value, argparse.Namespace):
        yield from tensor_paths(vars(value), prefix)


def source_dtype(value):
    return str(value.dtype).replace('torch.', '') if isinstance(value, torch.Tensor) else value.dtype.name


class RunsShell:
    """An object whose unpickling by Python would run a shell command: the reader must not run it."""

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def rezip(source, target, prefix, level):
    """Re-zips a zip checkpoint with Info-ZIP, forcing ZIP64 records, under a new record prefix."""
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(source) as z:
            z.extractall(tmp)
            old = z.namelist()[0].split('/')[0]
        os.rename(os.path.join(tmp, old), os.path.join(tmp, prefix))
        if os.path.exists(target):
            os.remove(target)
        subprocess.run(['zip', '-q', '-r', '-X', '-fz', f'-{level}', os.path.abspath(target), prefix], cwd=tmp, check=True)


def storage_dtypes(path):
    """Storage key -> element size of a zip checkpoint, read with Python's own unpickler."""
    sizes = {}

    class Reader(pickle.Unpickler):
        def persistent_load(self, pid):
            sizes[pid[2]] = pid[1]().element_size()
            return torch.UntypedStorage(0)

        def find_class(self, module, name):
            if module == 'torch._utils' and name == '_rebuild_tensor_v2':
                return lambda *args: None
            return super().find_class(module, name)

    with zipfile.ZipFile(path) as z:
        pkl = next(n for n in z.namelist() if n.endswith('/data.pkl'))
        Reader(io.BytesIO(z.read(pkl))).load()
    return sizes


def make_big_endian(source, target):
    sizes = storage_dtypes(source)
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, 'w', zipfile.ZIP_STORED) as out:
        prefix = z.namelist()[0].split('/')[0]
        for name in z.namelist():
            data = z.read(name)
            key = name.split('/data/')[-1] if '/data/' in name else None
            if key in sizes and sizes[key] > 1:
                width = sizes[key]
                data = np.frombuffer(data, dtype=f'<u{width}').astype(f'>u{width}').tobytes()
            out.writestr(name, data)
        out.writestr(f'{prefix}/byteorder', 'big')


def legacy_header():
    """The three pickles that open a legacy checkpoint (magic number, protocol version, system info)."""
    sys_info = {'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}
    return b''.join(pickle.dumps(v, protocol=2) for v in (0x1950A86A20F9469CFC6C, 1001, sys_info))


def main():
    meta = provenance()
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    net = TinyNet()
    roots = {
        'cases': make_cases(),
        'state-dict': nn.DataParallel(net).state_dict(),
        'module': net,
    }
    expected_json = {'provenance': meta, 'files': {}}
    expected_tensors = {}
    for stem, root in roots.items():
        for fmt in ('zip', 'legacy'):
            file = f'{stem}.{fmt}.pt'
            torch.save(root, os.path.join(OUT, file), _use_new_zipfile_serialization=fmt == 'zip')
            if isinstance(root, nn.Module):
                pairs = list(root.state_dict().items()) + [('extra', root.extra)]
            else:
                pairs = list(tensor_paths(root))
            entry = {
                'format': fmt,
                'tensors': {name: {'sourceDtype': source_dtype(t), 'shape': list(t.shape)} for name, t in pairs},
                'root': render(root),
            }
            expected_json['files'][file] = entry
            for name, t in pairs:
                expected_tensors[f'{file}:{name}'] = as_expected(t)

    for file, fmt, protocol in (('cases.p5.zip.pt', 'zip', 5), ('cases.p1.legacy.pt', 'legacy', 1)):
        torch.save(roots['cases'], os.path.join(OUT, file), _use_new_zipfile_serialization=fmt == 'zip',
                   pickle_protocol=protocol)
        expected_json['files'][file] = {**expected_json['files'][f'cases.{fmt}.pt'], 'format': fmt}
        for name in expected_json['files'][file]['tensors']:
            expected_tensors[f'{file}:{name}'] = expected_tensors[f'cases.{fmt}.pt:{name}']
    plain = {'ints': [0, -1, 255, 65536, -(2**31), 2**62, -(2**90)], 'floats': [0.5, -1e-300, 1e300],
             'text': ['a', 'ünï\u20accode', 'quote\'s "and" \\ back\nline'], 'flags': (True, False, None),
             'bytes': b'\x00\xffz', 'nested': {'args': argparse.Namespace(k=3), 7: 'int key'}}
    torch.save(plain, os.path.join(OUT, 'plain.p0.legacy.pt'), _use_new_zipfile_serialization=False,
               pickle_protocol=0)
    expected_json['files']['plain.p0.legacy.pt'] = {'format': 'legacy', 'tensors': {}, 'root': render(plain)}

    zip_cases = os.path.join(OUT, 'cases.zip.pt')
    rezip(zip_cases, os.path.join(OUT, 'cases.zip64.pt'), 'renamed-stem', 0)
    rezip(zip_cases, os.path.join(OUT, 'cases.deflated.pt'), 'cases-deflated', 9)
    big = {'f32': torch.tensor([1.5, -2.25, 1e-30]), 'f16': torch.tensor([0.5, -3.0]).half(),
           'i64': torch.tensor([-2, 40000], dtype=torch.int64), 'u8': torch.tensor([1, 250], dtype=torch.uint8),
           'f64t': torch.tensor([[1.0, 2.0], [3.0, 4.5]], dtype=torch.float64).t()}
    with tempfile.TemporaryDirectory() as tmp:
        little = os.path.join(tmp, 'big-endian.pt')
        torch.save(big, little)
        make_big_endian(little, os.path.join(OUT, 'big-endian.pt'))
    expected_json['files']['big-endian.pt'] = {
        'format': 'zip',
        'tensors': {k: {'sourceDtype': source_dtype(v), 'shape': list(v.shape)} for k, v in big.items()},
        'root': render(big),
    }
    for k, v in big.items():
        expected_tensors[f'big-endian.pt:{k}'] = as_expected(v)
    for copy in ('cases.zip64.pt', 'cases.deflated.pt'):
        expected_json['files'][copy] = expected_json['files']['cases.zip.pt']
        for name in expected_json['files'][copy]['tensors']:
            expected_tensors[f'{copy}:{name}'] = expected_tensors[f'cases.zip.pt:{name}']

    torch.save({'ids': torch.tensor([1, 2**40], dtype=torch.int64)}, os.path.join(OUT, 'int64-overflow.pt'))
    with open(os.path.join(OUT, 'unknown-opcode.pt'), 'wb') as f:
        # PROTO 2, EMPTY_DICT, then 0xEE: no pickle protocol defines that opcode.
        f.write(legacy_header() + b'\x80\x02}\xee.')
    torch.save({'payload': RunsShell(), 'weight': torch.ones(2)}, os.path.join(OUT, 'code-execution.pt'),
               _use_new_zipfile_serialization=False)
    with tarfile.open(os.path.join(OUT, 'old-tar.pt'), 'w') as tar:
        for name in ('sys_info', 'pickle', 'tensors', 'storages'):
            data = pickle.dumps({'name': name}, protocol=2)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(os.path.join(OUT, 'not-torch.zip'), 'w') as z:
        z.writestr('notes/readme.txt', 'just a text file in a zip archive\n')
    with open(os.path.join(OUT, 'not-a-checkpoint.bin'), 'wb') as f:
        f.write(np.random.RandomState(1).bytes(300))

    write_safetensors(os.path.join(OUT, 'expected.safetensors'), expected_tensors, meta)
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected_json, f, indent=1, ensure_ascii=False)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}')


if __name__ == '__main__':
    main()
