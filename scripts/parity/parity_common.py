"""Helpers shared by the parity fixture generators (run with /usr/bin/python3: Debian's PyTorch 1.13)."""
import json
import shlex
import struct
import sys

import numpy as np

_SAFETENSORS_DTYPE = {
    np.dtype('float32'): 'F32',
    np.dtype('int32'): 'I32',
    np.dtype('bool'): 'BOOL',
}


def write_safetensors(path, tensors, metadata=None):
    """Writes numpy arrays (float32, int32 or bool) as a safetensors file, names sorted."""
    header = {}
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype = _SAFETENSORS_DTYPE[array.dtype]
        data = array.astype(array.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text.encode())
        for chunk in chunks:
            f.write(chunk)


def provenance():
    """The command that ran this script and the torch version, printed and stored in fixture metadata."""
    import torch

    command = ' '.join(shlex.quote(a) for a in ['/usr/bin/python3'] + sys.argv)
    print(f'command: {command}')
    print(f'torch {torch.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}')
    return {'command': command, 'torch': torch.__version__, 'numpy': np.__version__}


def report_size(folder):
    """Prints the total size of the files written under `folder` (the fixtures must stay small)."""
    import os

    total = sum(os.path.getsize(os.path.join(f, n)) for f, _, names in os.walk(folder) for n in names)
    print(f'wrote {folder}: {total} bytes')
