"""Parity fixtures for `scalespace convert --from singan`, from the official SinGAN code (tamarott/SinGAN).

Imports SinGAN/{models,functions,training,manipulate,imresize}.py and config.py of the official code from OFFICIAL
below (a local transcription of those files, outside this repository), builds a 3-scale generator pyramid of the
official classes with random weights on a small CC0 photo, runs the official generation, and writes into
packages/singan/fixtures/singan/:
  TrainedModels/coffee/scale_factor=0.750000,alpha=10/   the official layout: Gs.pth (a pickled list of whole
      GeneratorConcatSkip2CleanAdd modules, zip format), Zs.pth, reals.pth and NoiseAmp.pth (legacy format, as
      torch < 1.6 wrote them), and per-scale <n>/netG.pth state dicts (legacy format)
  broken/   files the converter must refuse, put into a copy of that folder by the test: a per-scale netG.pth
      without a batch-norm statistic, a reals.pth whose sizes do not follow the official schedule
  parity.safetensors   inputs and official outputs ([C, H, W] float32 unless said otherwise):
    noise.<n>              the noise map the official SinGAN_generate drew at scale n (1 channel at the coarsest,
                           3 above), before its zero padding
    sample.<n>             the official output of scale n for that noise (sample.2 is the random sample)
    reconstruction.<n>     the official output of scale n from the fixed noise Zs (SinGAN_generate with
                           gen_start_scale = 3): reconstruction.2 is the reconstruction
    prev.sample.<n>, prev.reconstruction.<n>   the upsampled previous image that scale n read (the official
                           imresize: 8-bit quantisation, bicubic by 1 / scale_factor, top-left crop), n >= 1
  Metadata: the command, the torch version, the scale factor, and the smallest distance of any quantised value
  to an 8-bit level boundary (the noise seed is searched until it is at least MARGIN: a floating-point
  difference smaller than that cannot move a value to another level).

The generators: nfc 16, min_nfc 4 at scales 0 and 1 (head 3 -> 16, body 16 -> 8 -> 4 -> 4, tail 4 -> 3) and the
doubled widths the official schedule gives from scale 4 on at scale 2 (nfc 32, min_nfc 8), 3x3 kernels, 5 layers.
Weights: the official init (weights_init), then conv weights x 10 and random batch-norm gains and biases, and the
running statistics set by training-mode passes over the inputs each scale sees, so that every layer matters
(the official init alone leaves the residual of a scale near 0). Noise amplitudes: the official rule, 0.1 x RMSE
of the image and the upsampled reconstruction from the scales below (training.draw_concat).

Run from the repository root: /usr/bin/python3 scripts/parity/singan/make_fixtures.py
(needs python3-scipy, python3-skimage, python3-sklearn, python3-matplotlib, python3-imageio, python3-torchvision)
"""
import os
import shutil
import sys
import tempfile

os.environ.setdefault('MPLBACKEND', 'Agg')

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
from parity_common import provenance, report_size, write_safetensors  # noqa: E402

OFFICIAL = '/work/official/SinGAN'
sys.path.insert(0, OFFICIAL)
from config import get_arguments  # noqa: E402
import SinGAN.functions as functions  # noqa: E402
import SinGAN.manipulate as manipulate  # noqa: E402
import SinGAN.models as models  # noqa: E402
from SinGAN.imresize import imresize  # noqa: E402
from SinGAN.training import draw_concat  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'singan', 'fixtures', 'singan')
PHOTOS = os.path.join(ROOT, 'packages', 'data', 'assets', 'photos')
MARGIN = 5e-4
WIDTHS = [(16, 4), (16, 4), (32, 8)]  # (nfc, min_nfc) per scale


def options():
    opt = get_arguments().parse_args(['--not_cuda', '--manualSeed', '0', '--min_size', '12', '--max_size', '24'])
    opt.input_dir = PHOTOS
    opt.input_name = 'coffee.png'
    opt.mode = 'train'
    return functions.post_config(opt)


def pyramid(opt):
    """The official image pyramid: read, shrink to max_size, then one image per scale (reals)."""
    real = functions.read_image(opt)
    functions.adjust_scales2image(real, opt)
    real = imresize(real, opt.scale1, opt)
    return functions.creat_reals_pyramid(real, [], opt)


def random_generator(opt, n, seed, inputs):
    """An official generator with random weights whose batch norms saw `inputs` (a list of (z_in, prev))."""
    opt.nfc, opt.min_nfc = WIDTHS[n]
    torch.manual_seed(seed)
    g = models.GeneratorConcatSkip2CleanAdd(opt)
    g.apply(models.weights_init)
    with torch.no_grad():
        for m in g.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.mul_(10)
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
                m.momentum = None  # running statistics = the average over the passes below
        g.train()
        for z_in, prev in inputs:
            g(z_in, prev)
    g = functions.reset_grads(g, False)
    g.eval()
    return g


class NoiseRecorder:
    """Wraps functions.generate_noise, keeping every map it draws (in order)."""

    def __init__(self):
        self.maps = []
        self.original = functions.generate_noise

    def __call__(self, *args, **kwargs):
        noise = self.original(*args, **kwargs)
        self.maps.append(noise.clone())
        return noise


class ScaleRecorder:
    """Wraps manipulate.imresize (the step between scales): the quantisation margin and each scale's output."""

    def __init__(self):
        self.outputs = []
        self.upsampled = []
        self.margin = float('inf')
        self.original = manipulate.imresize

    def __call__(self, image, scale, opt):
        self.outputs.append(image.detach().clone())
        v = 255 * (image.detach().double() + 1) / 2
        boundaries = torch.clamp(torch.round(v), 1, 255)
        self.margin = min(self.margin, float(torch.min(torch.abs(v - boundaries))))
        out = self.original(image, scale, opt)
        self.upsampled.append(out.clone())
        return out


def official_generate(Gs, Zs, reals, NoiseAmp, opt, gen_start_scale):
    """SinGAN_generate for one sample; returns the noise maps, per-scale outputs, upsampled inputs and the margin."""
    noise, steps = NoiseRecorder(), ScaleRecorder()
    functions.generate_noise, manipulate.imresize = noise, steps
    try:
        final = manipulate.SinGAN_generate(Gs, Zs, reals, NoiseAmp, opt, gen_start_scale=gen_start_scale,
                                           num_samples=1)
    finally:
        functions.generate_noise, manipulate.imresize = noise.original, steps.original
    outputs = steps.outputs + [final]
    prevs = [up[:, :, :r.shape[2], :r.shape[3]] for up, r in zip(steps.upsampled, reals[1:])]
    return noise.maps, outputs, prevs, steps.margin


def build(opt, reals, seed):
    """The pyramid of generators, Zs and NoiseAmp as the official train() would save them (no GAN steps)."""
    pad = int(((opt.ker_size - 1) * opt.num_layer) / 2)
    m_noise, m_image = nn.ZeroPad2d(pad), nn.ZeroPad2d(pad)
    Gs, Zs, NoiseAmp = [], [], []
    in_s = torch.full([1, opt.nc_z, reals[0].shape[2], reals[0].shape[3]], 0.0)
    for n, real in enumerate(reals):
        nzx, nzy = real.shape[2], real.shape[3]
        if n == 0:
            z_opt = m_noise(functions.generate_noise([1, nzx, nzy], device=opt.device).expand(1, 3, nzx, nzy))
            noise_amp = 1
            calibrate = [(m_noise(functions.generate_noise([1, nzx, nzy], device=opt.device).expand(1, 3, nzx, nzy)),
                          m_image(in_s)) for _ in range(8)]
        else:
            z_opt = m_noise(torch.full([1, opt.nc_z, nzx, nzy], 0.0))
            z_prev = draw_concat(Gs, Zs, reals, NoiseAmp, in_s, 'rec', m_noise, m_image, opt)
            noise_amp = opt.noise_amp_init * torch.sqrt(nn.MSELoss()(real, z_prev))
            calibrate = []
            for _ in range(8):
                prev = m_image(draw_concat(Gs, Zs, reals, NoiseAmp, in_s, 'rand', m_noise, m_image, opt))
                z = m_noise(functions.generate_noise([opt.nc_z, nzx, nzy], device=opt.device))
                calibrate.append((noise_amp * z + prev, prev))
        Gs.append(random_generator(opt, n, seed * 10 + n, calibrate))
        Zs.append(z_opt)
        NoiseAmp.append(noise_amp)
    return Gs, Zs, NoiseAmp


def chw(t):
    return t[0].detach().numpy().astype(np.float32)


def main():
    meta = provenance()
    opt = options()
    reals = pyramid(opt)
    print('pyramid', [tuple(r.shape[2:]) for r in reals], 'scale factor', opt.scale_factor)
    assert len(reals) == 3, 'expected a 3-scale pyramid'
    work = tempfile.mkdtemp()
    opt.out = work
    for seed in range(1000):
        torch.manual_seed(seed)
        Gs, Zs, NoiseAmp = build(opt, reals, seed)
        opt.mode, opt.gen_start_scale = 'random_samples', 0
        noise, sample, sample_prevs, m1 = official_generate(Gs, Zs, reals, NoiseAmp, opt, 0)
        _, rec, rec_prevs, m2 = official_generate(Gs, Zs, reals, NoiseAmp, opt, len(Gs))
        opt.mode = 'train'
        print(f'seed {seed}: quantisation margins {m1:.2e} (sample), {m2:.2e} (reconstruction)')
        if min(m1, m2) >= MARGIN:
            break
    else:
        raise SystemExit('no seed gives the margin')
    shutil.rmtree(work)
    print('noise amplitudes', [float(a) for a in NoiseAmp])

    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    folder = os.path.join(OUT, 'TrainedModels', 'coffee', 'scale_factor=0.750000,alpha=10')
    os.makedirs(folder)
    torch.save(Gs, os.path.join(folder, 'Gs.pth'))
    for name, value in (('Zs', Zs), ('reals', reals), ('NoiseAmp', NoiseAmp)):
        torch.save(value, os.path.join(folder, f'{name}.pth'), _use_new_zipfile_serialization=False)
    for n, g in enumerate(Gs):
        os.makedirs(os.path.join(folder, str(n)))
        torch.save(g.state_dict(), os.path.join(folder, str(n), 'netG.pth'), _use_new_zipfile_serialization=False)

    # Files the converter must refuse (the test puts each into a copy of the folder above).
    broken = os.path.join(OUT, 'broken')
    os.makedirs(broken)
    state = Gs[1].state_dict()
    del state['body.block2.norm.running_var']
    torch.save(state, os.path.join(broken, 'netG-1-missing-running-var.pth'), _use_new_zipfile_serialization=False)
    torch.save([reals[0], reals[2], reals[2]], os.path.join(broken, 'reals-wrong-sizes.pth'),
               _use_new_zipfile_serialization=False)

    out = {}
    for n in range(len(Gs)):
        out[f'noise.{n}'] = chw(noise[n])
        out[f'sample.{n}'] = chw(sample[n])
        out[f'reconstruction.{n}'] = chw(rec[n])
    for n in range(1, len(Gs)):
        out[f'prev.sample.{n}'] = chw(sample_prevs[n - 1])
        out[f'prev.reconstruction.{n}'] = chw(rec_prevs[n - 1])
    meta.update({'scale_factor': repr(opt.scale_factor), 'seed': seed, 'margin': repr(min(m1, m2))})
    write_safetensors(os.path.join(OUT, 'parity.safetensors'), out, meta)
    report_size(OUT)

if __name__ == '__main__':
    main()
