"""Parity fixtures for `scalespace convert --from pixelcnn`, from visinf/pixelpyramids' PixelCNN++.

Imports unet/pixelcnnpp.py (PixelCNNpp, DeepPixelCNNpp) and misc.py (discretized_mix_logistic_loss) of the official
PixelPyramids checkout (OFFICIAL below, outside this repository), builds two small networks with random weights and
writes into packages/autoregressive/fixtures/pixelcnn/:
  pixelcnnpp.pt          PixelCNNpp(image_dims=(3, 8, 8), n_channels=16, n_res_layers=1, n_classes=100): RGB,
                         10 mixture components, 2 resolutions (8x8, 4x4); saved as main.py saves its levels, a dict
                         {level: state_dict} (here one level, 0; main.py's optimiser entries are left out), zip format
  deep-grey.pt           DeepPixelCNNpp(image_dims=(1, 8, 8), n_channels=8, n_res_layers=1, n_classes=40): grey,
                         10 components, 3 resolutions (8, 4, 2), for 5-bit values; the state dict of
                         nn.DataParallel(model) (`module.` prefixes), legacy format
  broken/{missing-tensor,conditional,not-pixelcnn}.pt    files the converter must refuse
  parity.safetensors     per network (`rgb`, `grey`): images (int32 [N, H, W, C], the values), output (the official
                         network's output, float32 [N, P, H, W] in the official channel order), nll (float32 [N],
                         discretized_mix_logistic_loss in nats per image) and bpd (float32 [1], the batch mean in
                         bits per dimension as main.py reports it)
The batches: 2 images each, 8x8 box-filtered downscales of CC0 photos shipped in @scalespace/data (coffee and
chelsea for RGB at 8 bits, camera and brick for grey at 5 bits: floor(v / 8) as the official data loaders do), on
the [-1, 1] scale as the official loaders compute it (k / (2^bits - 1) * 2 - 1 in float32). Random weights: the
official init, then every weight-norm gain g scaled by U(0.5, 1.5) and biases drawn from U(-0.1, 0.1) so that
folding g and v into one weight is tested.

Run from the repository root: /usr/bin/python3 scripts/parity/pixelcnn/make_fixtures.py
(needs python3-scipy, python3-sklearn, python3-tqdm: misc.py imports them)
"""
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
from parity_common import provenance, report_size, write_safetensors  # noqa: E402

OFFICIAL = '/work/official/visinf+pixelpyramids'
sys.path.insert(0, OFFICIAL)
from misc import discretized_mix_logistic_loss  # noqa: E402
from unet.pixelcnnpp import DeepPixelCNNpp, PixelCNNpp  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'autoregressive', 'fixtures', 'pixelcnn')
PHOTOS = os.path.join(ROOT, 'packages', 'data', 'assets', 'photos')


def batch(names, mode, bits):
    """8x8 box downscales of shipped photos as integer values (N, H, W, C) at `bits` bits."""
    images = []
    for name in names:
        image = Image.open(os.path.join(PHOTOS, name)).convert(mode).resize((8, 8), Image.BOX)
        values = np.asarray(image, dtype=np.float64)
        if bits < 8:
            values = np.floor(values / 2 ** (8 - bits))
        images.append(values.reshape(8, 8, -1))
    return np.stack(images).astype(np.int32)


def official_scale(values, bits):
    """The official loaders' [-1, 1] scale: k / (n - 1) * 2 - 1 in float32, NCHW."""
    x = torch.tensor(values, dtype=torch.float32).permute(0, 3, 1, 2)
    return x / (2 ** bits - 1) * 2.0 - 1.0


def check_edges(bits):
    """The official loss picks its edge bins by comparing x with +-(1 - 2/(n-1)); check that only k = 0 and
    k = n - 1 are edges on the loaders' scale, as scalespace's mixture (which looks at k) assumes."""
    n = 2 ** bits
    x = torch.arange(n, dtype=torch.float32) / (n - 1) * 2.0 - 1.0
    low = torch.nonzero(x < (-1.00 + 2 / (n - 1))).flatten().tolist()
    high = torch.nonzero(x > (1.00 - 2 / (n - 1))).flatten().tolist()
    assert low == [0] and high == [n - 1], (bits, low, high)


def randomize(model, generator):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('weight_g'):
                p.mul_(torch.rand(p.shape, generator=generator) + 0.5)
            elif name.endswith('bias'):
                p.copy_(torch.rand(p.shape, generator=generator) * 0.2 - 0.1)
    return model.eval()


def run(model, values, bits):
    x = official_scale(values, bits)
    with torch.no_grad():
        out = model(x)
        nll = discretized_mix_logistic_loss(out, x, bits)
    bpd = nll.mean() / (math.log(2) * np.prod(x.shape[1:]))
    return out, nll, bpd


def main():
    meta = provenance()
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, 'broken'))
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    out = {}

    check_edges(8)
    rgb = randomize(PixelCNNpp(image_dims=(3, 8, 8), n_channels=16, n_res_layers=1, n_classes=100), g)
    values = batch(['coffee.png', 'chelsea.png'], 'RGB', 8)
    output, nll, bpd = run(rgb, values, 8)
    out.update({'rgb.images': values, 'rgb.output': output, 'rgb.nll': nll, 'rgb.bpd': bpd.reshape(1)})
    torch.save({0: rgb.state_dict()}, os.path.join(OUT, 'pixelcnnpp.pt'))
    print(f'PixelCNNpp RGB 8-bit: {bpd.item():.4f} bits/dim')

    check_edges(5)
    grey = randomize(DeepPixelCNNpp(image_dims=(1, 8, 8), n_channels=8, n_res_layers=1, n_classes=40), g)
    values = batch(['camera.png', 'brick.png'], 'L', 5)
    output, nll, bpd = run(grey, values, 5)
    out.update({'grey.images': values, 'grey.output': output, 'grey.nll': nll, 'grey.bpd': bpd.reshape(1)})
    torch.save(nn.DataParallel(grey).state_dict(), os.path.join(OUT, 'deep-grey.pt'),
               _use_new_zipfile_serialization=False)
    print(f'DeepPixelCNNpp grey 5-bit: {bpd.item():.4f} bits/dim')

    tiny = PixelCNNpp(image_dims=(3, 4, 4), n_channels=4, n_res_layers=1, n_classes=100).state_dict()
    del tiny['down_ul_modules.2.c1c.weight_v']
    legacy = {'_use_new_zipfile_serialization': False}  # smaller than zip for many tiny tensors
    torch.save(tiny, os.path.join(OUT, 'broken', 'missing-tensor.pt'), **legacy)
    conditional = PixelCNNpp(image_dims=(3, 4, 4), n_channels=4, n_res_layers=1, n_classes=100, n_cond_classes=3)
    torch.save(conditional.state_dict(), os.path.join(OUT, 'broken', 'conditional.pt'), **legacy)
    torch.save(nn.Linear(3, 2).state_dict(), os.path.join(OUT, 'broken', 'not-pixelcnn.pt'))

    arrays = {}
    for k, v in out.items():
        arrays[k] = v if isinstance(v, np.ndarray) else v.detach().numpy().astype(np.float32)
    write_safetensors(os.path.join(OUT, 'parity.safetensors'), arrays, meta)
    report_size(OUT)

if __name__ == '__main__':
    main()
