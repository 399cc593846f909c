"""Parity fixture for `dilateMask` (@scalespace/singan), from the official SinGAN's `functions.dilate_mask`.

Imports SinGAN/functions.py of the official code from OFFICIAL below (a local transcription, outside this
repository), builds a small mask with hard edges, a soft (anti-aliased) edge, pixels just above and just below the
8-bit threshold and one near the border, runs the official dilation for harmonisation (disk of radius 7) and editing
(radius 20), both then blurred (sigma 5) and stretched, and writes packages/singan/fixtures/mask/dilate-mask.safetensors:
  mask        [H, W] float32 in [0, 1], the input
  harmonize   [H, W] the official soft mask for --mode harmonization (channel 0 of its [1, 3, H, W])
  edit        [H, W] the official soft mask for --mode editing

The official code was written for scikit-image < 0.19, whose rgb2gray returned a 2-D image unchanged (dilate_mask
relies on it); 0.19 treats a 2-D array as a row of RGB pixels, so this script restores the old behaviour for 2-D input.

Run from the repository root: /usr/bin/python3 scripts/parity/singan/make_mask_fixture.py
(needs python3-scipy, python3-skimage, python3-sklearn, python3-matplotlib)
"""
import argparse
import os
import sys
import tempfile

os.environ.setdefault('MPLBACKEND', 'Agg')

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
from parity_common import provenance, report_size, write_safetensors  # noqa: E402

OFFICIAL = '/work/official/SinGAN'
sys.path.insert(0, OFFICIAL)
import SinGAN.functions as functions  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'singan', 'fixtures', 'mask')

_rgb2gray = functions.color.rgb2gray
functions.color.rgb2gray = lambda x: x if x.ndim == 2 else _rgb2gray(x)


def test_mask():
    """48 x 64: a rectangle, a disk with an anti-aliased edge, a pixel at 1/255 (set) and one at 0.5/255 (not)."""
    h, w = 48, 64
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    mask = np.zeros((h, w))
    mask[10:18, 8:20] = 1.0
    r = np.sqrt((y - 30.3) ** 2 + (x - 44.6) ** 2)
    mask = np.maximum(mask, np.clip(6.5 - r, 0.0, 1.0))
    mask[40, 10] = 1.0 / 255 + 1e-4
    mask[5, 50] = 0.5 / 255
    mask[0, 63] = 1.0
    return mask.astype(np.float32)


def official(mask, mode, folder):
    """The official dilate_mask on the mask as SinGAN reads a mask file ([1, 3, H, W] in [-1, 1])."""
    opt = argparse.Namespace(mode=mode, nc_im=3, not_cuda=True, ref_dir=folder, ref_name='mask.png')
    x = torch.from_numpy(np.repeat(mask[None, None], 3, axis=1))
    x = functions.norm(x)
    out = functions.dilate_mask(x, opt)
    return out[0, 0].numpy().astype(np.float32)


def main():
    meta = provenance()
    mask = test_mask()
    with tempfile.TemporaryDirectory() as folder:
        tensors = {
            'mask': mask,
            'harmonize': official(mask, 'harmonization', folder),
            'edit': official(mask, 'editing', folder),
        }
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, 'dilate-mask.safetensors'), tensors, meta)
    report_size(OUT)


if __name__ == '__main__':
    main()
