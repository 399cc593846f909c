"""The official SinGAN's super-resolution on the low-resolution images of packages/singan/scripts/sr-table.mts, as its
SR.py does it (tamarott/SinGAN): trains on the low-resolution image with alpha 100 and min_size 18
(adjust_scales2image_SR), scale factor 1 / in_scale from calc_init_scale, then steps up iter_num times through the
finest generator with SinGAN_generate, and writes OUT/<name>-official-x<F>.png (cropped to F x the input, as SR.py).
`sr-table.mts OUT --official OUT` then measures those files beside scalespace's.

Imports the official code from OFFICIAL (a local transcription, outside this repository); nothing it writes is
committed, only the numbers in the README.

Run from the repository root, after sr-table.mts wrote OUT/<name>-low.png:
  /usr/bin/python3 scripts/parity/singan/official_sr.py OUT astronaut,camera,chelsea,gravel [--niter 200] [--factor 4]
"""
import argparse
import os
import sys
import time

os.environ.setdefault('MPLBACKEND', 'Agg')

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

OFFICIAL = '/work/official/SinGAN'
sys.path.insert(0, OFFICIAL)
from config import get_arguments  # noqa: E402
import SinGAN.functions as functions  # noqa: E402
from SinGAN.imresize import imresize  # noqa: E402
from SinGAN.manipulate import SinGAN_generate  # noqa: E402
from SinGAN.training import train  # noqa: E402


def legacy_adam_steps():
    """Adam steps that update parameters through `.data`, as PyTorch < 1.5 did (the official code was written for
    1.4): its G steps backpropagate through a graph built before the previous step changed the weights, which newer
    PyTorch refuses ('modified by an inplace operation'). The update is the same; only the version check is skipped."""
    step = torch.optim.Adam.step

    def legacy(self, closure=None):
        originals = [list(group['params']) for group in self.param_groups]
        for group in self.param_groups:
            datas = []
            for p in group['params']:
                d = p.data
                d.grad = p.grad
                if p in self.state:
                    self.state[d] = self.state.pop(p)
                datas.append(d)
            group['params'] = datas
        try:
            return step(self, closure)
        finally:
            for group, params in zip(self.param_groups, originals):
                for p, d in zip(params, group['params']):
                    if d in self.state:
                        self.state[p] = self.state.pop(d)
                group['params'] = params

    torch.optim.Adam.step = legacy


def super_resolve(folder, name, niter, factor):
    """Trains the official SR model on <folder>/<name>-low.png and writes its x factor output; returns seconds."""
    opt = get_arguments().parse_args(['--not_cuda', '--manualSeed', '0', '--niter', str(niter)])
    opt.input_dir = folder
    opt.input_name = f'{name}-low.png'
    opt.mode = 'SR'
    opt.sr_factor = factor
    opt = functions.post_config(opt)  # mode SR: alpha 100
    in_scale, iter_num = functions.calc_init_scale(opt)
    opt.scale_factor = 1 / in_scale
    opt.scale_factor_init = 1 / in_scale
    opt.mode = 'train'
    Gs, Zs, reals, NoiseAmp = [], [], [], []
    started = time.time()
    real = functions.read_image(opt)
    functions.adjust_scales2image_SR(real, opt)
    train(opt, Gs, Zs, reals, NoiseAmp)
    seconds = time.time() - started
    opt.mode = 'SR'
    # SR.py's generation: the finest generator, iter_num times, each on the previous output upsampled by in_scale.
    opt.scale_factor = 1 / in_scale
    real_ = reals[-1]
    gs, zs, reals_sr, amps = [], [], [], []
    for _ in range(iter_num):
        real_ = imresize(real_, pow(1 / opt.scale_factor, 1), opt)
        reals_sr.append(real_)
        gs.append(Gs[-1])
        amps.append(NoiseAmp[-1])
        zs.append(nn.ZeroPad2d(5)(torch.full(real_.shape, 0, device=opt.device)))
    out = SinGAN_generate(gs, zs, reals_sr, amps, opt, in_s=reals_sr[0], num_samples=1)
    out = out[:, :, 0 : int(factor * reals[-1].shape[2]), 0 : int(factor * reals[-1].shape[3])]
    plt.imsave(os.path.join(folder, f'{name}-official-x{factor:g}.png'), functions.convert_image_np(out.detach()), vmin=0, vmax=1)
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('out')
    parser.add_argument('names')
    parser.add_argument('--niter', type=int, default=200)
    parser.add_argument('--factor', type=float, default=4)
    args = parser.parse_args()
    legacy_adam_steps()
    folder = os.path.abspath(args.out)
    work = os.path.join(folder, 'official')
    os.makedirs(work, exist_ok=True)
    os.chdir(work)  # the official code writes TrainedModels/ and Output/ here
    for name in args.names.split(','):
        seconds = super_resolve(folder, name, args.niter, args.factor)
        print(f'{name}: trained in {seconds:.0f} s (torch {torch.__version__}, {torch.get_num_threads()} threads)', flush=True)


if __name__ == '__main__':
    main()
