"""Parity fixtures for `scalespace convert --from kadkhodaie`, from the official code and weights.

Imports code/network.py and code/wavelet_func.py of the official checkout
(LabForComputationalVision/local-probability-models-of-images, MIT) from OFFICIAL below, and writes into
packages/denoisers/fixtures/kadkhodaie/:
  official/flat/noise_range_0to255_RF_13x13/model.pt                 copies of two official trained nets (MIT,
  official/multi_scale_160/noise_range_0to255_RF_13x13_scale_0/model.pt    see official/LICENSE and README.md)
  tiny-set/noise_range_0to255_RF_{5x5,9x9}_scale_{0,1}/model.pt, ..._RF_40x40_low/model.pt
                                  a multi-scale set in the official layout, official classes with 8 channels and
                                  random weights (batch-norm statistics set by training-mode passes); the low-pass
                                  net in the legacy format, the rest zip; saved from DataParallel like the originals
  tiny-flat/noise_range_0to255_RF_{5x5,9x9}/model.pt                   flat nets, same recipe (RF 9: the official
                                                                       3x3 layout 0, 8, 16, 20)
  broken/{missing-bn,wrong-shape,not-kadkhodaie}.pt                    files the converter must refuse
  parity.safetensors              inputs and official outputs (NHWC-free: [H, W] or [C, H, W] float32):
    flat13.{noisy,output,denoised}            official flat RF 13 on a 64x64 grey CC0 photo + noise sigma 25
    cond13.{clean_bands,noisy_bands,input,output,denoised_bands,image}
                                              official multi-scale RF 13 scale-0 conditional net: the official
                                              one-level decomposition (pywt, / 2) of the clean and noisy image, its
                                              input [clean low-pass, noisy h, v, d], output (the detail noise),
                                              denoised details and the official reconstruction
    tinyset9.{noisy,denoised}                 official multi_scale_denoising with the tiny RF 9 set (J = 2)
    tinyflat9.output                          the tiny flat RF 9 net on tinyset9.noisy
    image                                     the clean 64x64 input (camera.png, centre crop, resized)

Run from the repository root: /usr/bin/python3 scripts/parity/kadkhodaie/make_fixtures.py   (needs python3-pywt)
"""
import argparse
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
from parity_common import provenance, write_safetensors  # noqa: E402

OFFICIAL = '/work/official/LabForComputationalVision+local-probability-models-of-images'
sys.path.insert(0, os.path.join(OFFICIAL, 'code'))
from network import BF_CNN, BF_CNN_RF  # noqa: E402
from wavelet_func import multi_scale_decompose, multi_scale_denoising, reconstruct  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'denoisers', 'fixtures', 'kadkhodaie')
CPU = torch.device('cpu')


def official_net(path, coarse):
    """An official trained net as the official loader builds it (module. prefixes stripped, eval mode)."""
    rf = int(path.split('_RF_')[1].split('x')[0])
    args = argparse.Namespace(kernel_size=3, padding=1, num_kernels=64, num_layers=21, RF=rf, coarse=coarse,
                              num_channels=1)
    model = BF_CNN_RF(args)
    state = torch.load(path, map_location='cpu')
    model.load_state_dict({k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()})
    return model.eval()


def tiny_net(kind, rf, calibrate_on, generator):
    """An official class with 8 channels and random weights: batch-norm stds fitted to `calibrate_on`, the last conv
    scaled so the output's std is a tenth of the input's (a random bias-free net otherwise grows or dies with depth)."""
    if kind == 'low':
        args = argparse.Namespace(kernel_size=3, padding=1, num_kernels=8, num_layers=20, num_channels=1,
                                  coarse=True, first_layer_linear=True)
        model = BF_CNN(args)
    else:
        args = argparse.Namespace(kernel_size=3, padding=1, num_kernels=8, num_layers=21, RF=rf,
                                  coarse=kind == 'flat', num_channels=1)
        model = BF_CNN_RF(args)
    with torch.no_grad():
        for bn in model.BN_layers:
            bn.gammas.copy_(torch.rand(bn.gammas.shape, generator=generator) + 0.5)
        model.train()
        for _ in range(80):  # running_sd moves 10% towards the batch std per pass
            model(calibrate_on)
        model.eval()
        std = model(calibrate_on).std()
        assert std > 0, 'a random net whose every channel died: change the seed'
        model.conv_layers[-1].weight.mul_(0.1 * calibrate_on.std() / std)
    return model


def save_like_official(model, path, legacy=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(nn.DataParallel(model).state_dict(), path, _use_new_zipfile_serialization=not legacy)


def grey_photo():
    """camera.png (CC0, shipped in @scalespace/data), centre 128x128 crop resized to 64x64, in [0, 1]."""
    image = Image.open(os.path.join(ROOT, 'packages', 'data', 'assets', 'photos', 'camera.png')).convert('L')
    w, h = image.size
    box = ((w - 128) // 2, (h - 128) // 2, (w + 128) // 2, (h + 128) // 2)
    image = image.crop(box).resize((64, 64), Image.BICUBIC)
    return torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0)[None, None]


def main():
    meta = provenance()
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    clean = grey_photo()
    noisy = clean + torch.randn(clean.shape, generator=g) * 25 / 255
    out = {'image': clean[0, 0]}

    # The official flat RF 13 net.
    flat_src = os.path.join(OFFICIAL, 'denoisers/flat/celebA_160x160_gray/noise_range_0to255_RF_13x13/model.pt')
    flat = official_net(flat_src, coarse=True)
    with torch.no_grad():
        residual = flat(noisy)
    out.update({'flat13.noisy': noisy[0, 0], 'flat13.output': residual[0, 0], 'flat13.denoised': (noisy - residual)[0, 0]})

    # The official multi-scale RF 13 scale-0 conditional net, on the official one-level decomposition.
    cond_src = os.path.join(OFFICIAL, 'denoisers/multi_scale/celebA_160x160_gray/noise_range_0to255_RF_13x13_scale_0/model.pt')
    cond = official_net(cond_src, coarse=False)
    clean_bands = multi_scale_decompose(clean, 1, CPU)[0]
    noisy_bands = multi_scale_decompose(noisy, 1, CPU)[0]
    inp = torch.cat((clean_bands[:, 0:1], noisy_bands[:, 1:]), dim=1)
    with torch.no_grad():
        detail_noise = cond(inp)
    denoised_bands = noisy_bands[:, 1:] - detail_noise
    image = reconstruct(torch.cat((clean_bands[:, 0:1], denoised_bands), dim=1), CPU)
    out.update({'cond13.clean_bands': clean_bands[0], 'cond13.noisy_bands': noisy_bands[0], 'cond13.input': inp[0],
                'cond13.output': detail_noise[0], 'cond13.denoised_bands': denoised_bands[0],
                'cond13.image': image[0, 0].float()})
    for src, dst in ((flat_src, 'official/flat/noise_range_0to255_RF_13x13/model.pt'),
                     (cond_src, 'official/multi_scale_160/noise_range_0to255_RF_13x13_scale_0/model.pt')):
        os.makedirs(os.path.dirname(os.path.join(OUT, dst)), exist_ok=True)
        shutil.copyfile(src, os.path.join(OUT, dst))
    shutil.copyfile(os.path.join(OFFICIAL, 'LICENSE'), os.path.join(OUT, 'official', 'LICENSE'))

    # A tiny multi-scale set and tiny flat nets in the official layout, random weights.
    coeffs = multi_scale_decompose(noisy, 2, CPU)
    set_dir = os.path.join(OUT, 'tiny-set')
    low = tiny_net('low', None, coeffs[-1][:, 0:1], g)
    save_like_official(low, os.path.join(set_dir, 'noise_range_0to255_RF_40x40_low', 'model.pt'), legacy=True)
    denoisers = {'low': low}
    for rf in (5, 9):
        for j in (0, 1):
            net = tiny_net('cond', rf, coeffs[j], g)
            save_like_official(net, os.path.join(set_dir, f'noise_range_0to255_RF_{rf}x{rf}_scale_{j}', 'model.pt'))
            if rf == 9:
                denoisers[j] = net
    all_low = multi_scale_denoising(noisy, denoisers, CPU)
    out.update({'tinyset9.noisy': noisy[0, 0], 'tinyset9.denoised': all_low[-1][0, 0].float()})
    for rf in (5, 9):
        net = tiny_net('flat', rf, noisy, g)
        save_like_official(net, os.path.join(OUT, 'tiny-flat', f'noise_range_0to255_RF_{rf}x{rf}', 'model.pt'))
        if rf == 9:
            with torch.no_grad():
                out['tinyflat9.output'] = net(noisy)[0, 0]

    # Files the converter must refuse.
    broken = os.path.join(OUT, 'broken')
    os.makedirs(broken)
    state = nn.DataParallel(tiny_net('flat', 5, noisy, g)).state_dict()
    missing = {k: v for k, v in state.items() if k != 'module.BN_layers.7.running_sd'}
    torch.save(missing, os.path.join(broken, 'missing-bn.pt'))
    wrong = dict(state)
    wrong['module.conv_layers.3.weight'] = torch.zeros(4, 5, 1, 1)
    torch.save(wrong, os.path.join(broken, 'wrong-shape.pt'))
    torch.save(nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1)).state_dict(),
               os.path.join(broken, 'not-kadkhodaie.pt'))

    write_safetensors(os.path.join(OUT, 'parity.safetensors'),
                      {k: v.detach().numpy().astype(np.float32) for k, v in out.items()}, meta)
    total = 0
    for folder, _, names in os.walk(OUT):
        total += sum(os.path.getsize(os.path.join(folder, n)) for n in names)
    print(f'wrote {OUT}: {total} bytes')


if __name__ == '__main__':
    main()
