"""Trains the official SinGAN (tamarott/SinGAN) on one image at its own schedule, resumable scale by scale, then
writes N random samples as PNGs, for the side-by-side in packages/singan/README.md.

It does what the official main_train.py does (post_config, adjust_scales2image, the per-scale loop of
training.train with its channel doubling, then SinGAN_generate), except that a run killed mid-way resumes at the
first scale not yet saved: the loop here reloads the saved pyramid and skips trained scales. Each scale's seconds
go to OUT/timing.json. Imports the official code from OFFICIAL (a local transcription, outside this repository);
nothing it writes is committed, only the numbers in the README.

Run from anywhere (PyTorch from Debian's python3-torch):
  /usr/bin/python3 scripts/parity/singan/official_train.py IMAGE OUT [--max-size 128] [--niter 2000] [--samples 8]
"""
import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault('MPLBACKEND', 'Agg')

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from official_sr import OFFICIAL, legacy_adam_steps  # noqa: E402

sys.path.insert(0, OFFICIAL)
from config import get_arguments  # noqa: E402
import SinGAN.functions as functions  # noqa: E402
from SinGAN.imresize import imresize  # noqa: E402
from SinGAN.manipulate import SinGAN_generate  # noqa: E402
from SinGAN.training import init_models, train_single_scale  # noqa: E402


def official_options(image, max_size, niter, seed):
    opt = get_arguments().parse_args(
        ['--not_cuda', '--manualSeed', str(seed), '--niter', str(niter), '--max_size', str(max_size)]
    )
    opt.input_dir, opt.input_name = os.path.split(os.path.abspath(image))
    opt.mode = 'train'
    return functions.post_config(opt)


def saved(folder, name):
    path = os.path.join(folder, name)
    return torch.load(path) if os.path.exists(path) else None


def train_resumable(opt, folder):
    """The official per-scale loop; scales already in FOLDER's Gs.pth are loaded instead of trained."""
    real = imresize(functions.read_image(opt), opt.scale1, opt)
    reals = functions.creat_reals_pyramid(real, [], opt)
    Gs, Zs, amps = saved(folder, 'Gs.pth') or [], saved(folder, 'Zs.pth') or [], saved(folder, 'NoiseAmp.pth') or []
    timing = saved_json(folder, 'timing.json') or {'seconds': [], 'threads': torch.get_num_threads()}
    in_s = 0 if not Gs else torch.full(reals[0].shape, 0, device=opt.device)
    opt.out_ = folder
    for scale in range(len(Gs), opt.stop_scale + 1):
        started = time.time()
        opt.nfc = min(opt.nfc_init * 2 ** math.floor(scale / 4), 128)
        opt.min_nfc = min(opt.min_nfc_init * 2 ** math.floor(scale / 4), 128)
        opt.outf = os.path.join(folder, str(scale))
        os.makedirs(opt.outf, exist_ok=True)
        netD, netG = init_models(opt)
        if scale > 0 and min(opt.nfc_init * 2 ** math.floor((scale - 1) / 4), 128) == opt.nfc:
            netG.load_state_dict(torch.load(os.path.join(folder, str(scale - 1), 'netG.pth')))
            netD.load_state_dict(torch.load(os.path.join(folder, str(scale - 1), 'netD.pth')))
        z, in_s, netG = train_single_scale(netD, netG, reals, Gs, Zs, in_s, amps, opt)
        netG = functions.reset_grads(netG, False).eval()
        Gs.append(netG)
        Zs.append(z)
        amps.append(opt.noise_amp)
        for name, value in (('Gs.pth', Gs), ('Zs.pth', Zs), ('NoiseAmp.pth', amps), ('reals.pth', reals)):
            torch.save(value, os.path.join(folder, name))
        timing['seconds'].append(time.time() - started)
        with open(os.path.join(folder, 'timing.json'), 'w') as f:
            json.dump(timing, f)
        print(f'scale {scale}/{opt.stop_scale}: {timing["seconds"][-1]:.0f} s', flush=True)
    return Gs, Zs, reals, amps


def saved_json(folder, name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('image')
    parser.add_argument('out')
    parser.add_argument('--max-size', type=int, default=128)
    parser.add_argument('--niter', type=int, default=2000)
    parser.add_argument('--samples', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    legacy_adam_steps()
    folder = os.path.abspath(args.out)
    os.makedirs(folder, exist_ok=True)
    os.chdir(folder)  # SinGAN_generate writes under Output/ here
    opt = official_options(args.image, args.max_size, args.niter, args.seed)
    functions.adjust_scales2image(functions.read_image(opt), opt)
    Gs, Zs, reals, amps = train_resumable(opt, folder)
    opt.mode = 'random_samples'
    opt.gen_start_scale = 0
    opt.out = folder
    samples = os.path.join(folder, 'samples')
    os.makedirs(samples, exist_ok=True)
    torch.manual_seed(args.seed + 1)
    with torch.no_grad():
        images = [SinGAN_generate(Gs, Zs, reals, amps, opt, num_samples=1) for _ in range(args.samples)]
    for i, image in enumerate(images):
        plt.imsave(os.path.join(samples, f'{i}.png'), functions.convert_image_np(image.detach()), vmin=0, vmax=1)
    plt.imsave(os.path.join(samples, 'real.png'), functions.convert_image_np(reals[-1]), vmin=0, vmax=1)
    print(f'trained {len(Gs)} scales in {sum(saved_json(folder, "timing.json")["seconds"]):.0f} s', flush=True)


if __name__ == '__main__':
    main()
