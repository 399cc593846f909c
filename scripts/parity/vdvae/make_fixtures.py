"""Parity fixtures for `scalespace convert --from vdvae`, from the official VD-VAE code (openai/vdvae).

Imports vae.py and hps.py of the official checkout (OFFICIAL below, never copied here), builds a tiny
configuration (8x8 RGB, width 16 with 24 channels below 8x8, zdim 4, blocks at 8, 4, 2 and 1, 1x1-only blocks at
2 and 1, no learned initial state at 8, 5 mixture components) with random weights (the official initialisation
plus noise on every parameter, so that zero-initialised biases, prior heads and states take part) and writes into
packages/hvae/fixtures/vdvae/:
  tiny-model-ema.th          its state dict, torch.save zip format (as the official save_model writes EMA weights)
  tiny-model-ema-legacy.th   the same, saved from nn.DataParallel (`module.` prefixes) in the legacy format
  tiny-hps.json              its hyper-parameters with the official names (what `convert --hps FILE` reads)
  parity.safetensors         inputs and the official outputs (NCHW as the official code has them):
    input                        [2, 8, 8, 3] uint8 pixels (two CC0 photos at 8x8, a few pixels forced to 0/255)
    <d>.eps.<i>                  the standard normals the official posterior draw of group i used
    <d>.kl                       [groups, 2] KL of each group per image (official kl summed over its dims), nats
    <d>.distortion, <d>.rate     [2] per image, nats per dim (the official DmolNet.nll and summed KL / ndims)
    <d>.elbo                     [1] the official VAE.forward elbo (mean over the batch), nats per dim
    <d>.params                   [2, 8, 8, 50] the official output head (DmolNet.forward) of the reconstruction
  for the datasets <d> = cifar10 (8 bits), ffhq_256 (5 bits) and ffhq_1024 (inputs in [0, 1]): the official
  preprocessing of each (data.py's shift / scale, 5-bit targets for ffhq_256) on the same network;
    fixed.z.<i>                  z of groups 0..2 from the cifar10 pass (forward_get_latents)
    fixed_t<t>.eps.<i>           standard normals of the prior draws of groups 3.. at temperature t (1 and 0.5)
    fixed_t<t>.params            [2, 8, 8, 50] the output head after forward_manual_latents(2, fixed z, t)
    uncond.eps.<i>, uncond.params   forward_uncond(2, t=[per-group temperatures]) (uncond.temperature)

Run from the repository root: /usr/bin/python3 scripts/parity/vdvae/make_fixtures.py
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
from parity_common import provenance, write_safetensors  # noqa: E402

OFFICIAL = '/work/official/openai+vdvae'
sys.path.insert(0, OFFICIAL)
import hps as official_hps  # noqa: E402
import vae as official_vae  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'hvae', 'fixtures', 'vdvae')

TINY = dict(dataset='cifar10', image_size=8, image_channels=3, width=16, custom_width_str='4:24,2:24,1:24', zdim=4,
            enc_blocks='8x2,8d2,4x2,4d2,2x1,2d2,1x1', dec_blocks='1x1,2m1,2x1,4m2,4x1,8m4,8x1', no_bias_above=4,
            bottleneck_multiple=0.25, num_mixtures=5)

# data.py's preprocessing per dataset: the network sees (x + shift) * scale, the loss (x + shift_loss) * scale_loss,
# with x the uint8 pixel values (ffhq_1024: x / 255, as torchvision's ToTensor gives them); ffhq_256 keeps 5 bits.
DATASETS = {
    'cifar10': dict(shift=-120.63838, scale=1. / 64.16736, shift_loss=-127.5, scale_loss=1. / 127.5, unit=False),
    'ffhq_256': dict(shift=-112.8666757481, scale=1. / 69.84780273, shift_loss=-127.5, scale_loss=1. / 127.5,
                     unit=False),
    'ffhq_1024': dict(shift=-0.4387, scale=1.0 / 0.2743, shift_loss=-0.5, scale_loss=2.0, unit=True),
    'imagenet32': dict(shift=-116.2373, scale=1. / 69.37404, shift_loss=-127.5, scale_loss=1. / 127.5, unit=False),
    'imagenet64': dict(shift=-115.92961967, scale=1. / 69.37404, shift_loss=-127.5, scale_loss=1. / 127.5,
                       unit=False),
}
# The preprocessings the fixtures record (the same network under each).
FIXTURE_DATASETS = ('cifar10', 'ffhq_256', 'ffhq_1024')


def hyperparams():
    """The official defaults (hps.py's argparse) updated with the tiny configuration."""
    parser = official_hps.add_vae_arguments(argparse.ArgumentParser())
    H = official_hps.Hyperparams()
    H.update(vars(parser.parse_args([])))
    H.update(TINY)
    return H


class NoiseTape:
    """Stands in for vae.draw_gaussian_diag_samples (the same formula, exp(logsigma) * eps + mu) and keeps every eps
    it drew, in order, so scalespace can be given the same standard normals."""

    def __init__(self, generator):
        self.generator = generator
        self.drawn = []

    def __call__(self, mu, logsigma):
        eps = torch.randn(mu.shape, generator=self.generator)
        self.drawn.append(eps)
        return torch.exp(logsigma) * eps + mu

    def take(self):
        drawn, self.drawn = self.drawn, []
        return drawn


def perturb(model, generator):
    """Adds noise to every parameter: weights by 0.5 / sqrt(fan-in), biases 0.1, learned states 0.5, gain/bias 0.2."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator)
            if name.endswith('.weight'):
                p.add_(noise * 0.5 / np.sqrt(p[0].numel()))
            elif '.bias_xs.' in name:
                p.add_(noise * 0.5)
            elif name in ('decoder.gain', 'decoder.bias'):
                p.add_(noise * 0.2)
            else:
                p.add_(noise * 0.1)


def photos():
    """Two CC0 photos shipped in @scalespace/data, 96x96 centre crops resized to 8x8, with a few pixels at 0 and 255
    so the likelihood's edge bins are exercised."""
    images = []
    for name in ('astronaut.png', 'chelsea.png'):
        image = Image.open(os.path.join(ROOT, 'packages', 'data', 'assets', 'photos', name)).convert('RGB')
        w, h = image.size
        image = image.crop(((w - 96) // 2, (h - 96) // 2, (w + 96) // 2, (h + 96) // 2)).resize((8, 8), Image.BICUBIC)
        images.append(np.asarray(image, dtype=np.uint8))
    x = np.stack(images).copy()
    x[0, 0, 0] = [0, 0, 0]
    x[0, 7, 7] = [255, 255, 255]
    x[1, 3, 4] = [255, 0, 128]
    return x


def preprocess(x, dataset):
    """data.py's preprocess_func for one dataset, on uint8 pixels [N, H, W, C]."""
    d = DATASETS[dataset]
    values = torch.from_numpy(x).float()
    if d['unit']:
        values = values / 255.0
    inp = (values + d['shift']) * d['scale']
    out = values.clone()
    if dataset == 'ffhq_256':
        out = torch.floor(out / 8.0) * 8.0
    out = (out + d['shift_loss']) * d['scale_loss']
    return inp, out


def elbo_pass(model, H, tape, x, dataset):
    """The official training-loss pass, and its per-image pieces from a second pass with the same eps."""
    H.dataset = dataset  # DmolNet.nll reads H.dataset for the 5-bit loss
    inp, target = preprocess(x, dataset)
    stats = model.forward(inp, target)
    eps = tape.take()
    replay = iter(eps)
    official_vae.draw_gaussian_diag_samples = lambda mu, logsigma: torch.exp(logsigma) * next(replay) + mu
    activations = model.encoder.forward(inp)
    px_z, groups = model.decoder.forward(activations, get_latents=True)
    official_vae.draw_gaussian_diag_samples = tape
    distortion = model.decoder.out_net.nll(px_z, target)
    kl = torch.stack([g['kl'].sum(dim=(1, 2, 3)) for g in groups])
    rate = kl.sum(0) / np.prod(inp.shape[1:])
    assert torch.allclose((distortion + rate).mean(), stats['elbo']), 'the replayed pass differs from VAE.forward'
    out = {f'{dataset}.eps.{i}': e for i, e in enumerate(eps)}
    out.update({f'{dataset}.kl': kl, f'{dataset}.distortion': distortion, f'{dataset}.rate': rate,
                f'{dataset}.elbo': stats['elbo'].reshape(1), f'{dataset}.params': model.decoder.out_net.forward(px_z)})
    print(f'{dataset}: elbo {stats["elbo"].item():.5f} nats/dim (distortion {stats["distortion"].item():.5f}, '
          f'rate {stats["rate"].item():.5f}); KL per group {kl.mean(1).numpy().round(3)}')
    return out, [g['z'] for g in groups]


def main():
    meta = provenance()
    os.makedirs(OUT, exist_ok=True)
    H = hyperparams()
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = official_vae.VAE(H)
    perturb(model, generator)
    model.eval()
    tape = NoiseTape(generator)
    official_vae.draw_gaussian_diag_samples = tape
    x = photos()
    out = {'input': torch.from_numpy(x.astype(np.int32))}
    groups = len(model.decoder.dec_blocks)
    with torch.no_grad():
        latents = None
        for dataset in FIXTURE_DATASETS:
            values, z = elbo_pass(model, H, tape, x, dataset)
            out.update(values)
            latents = latents or z
        fixed = latents[:3]
        out.update({f'fixed.z.{i}': z for i, z in enumerate(fixed)})
        for t in (1.0, 0.5):
            params = model.decoder.out_net.forward(model.decoder.forward_manual_latents(2, fixed, t=t))
            key = f'fixed_t{t:g}'
            out.update({f'{key}.eps.{i + len(fixed)}': e for i, e in enumerate(tape.take())})
            out[f'{key}.params'] = params
        temperature = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4][:groups]
        params = model.decoder.out_net.forward(model.decoder.forward_uncond(2, t=temperature))
        out.update({f'uncond.eps.{i}': e for i, e in enumerate(tape.take())})
        out['uncond.params'] = params
        out['uncond.temperature'] = torch.tensor(temperature)

    torch.save(model.state_dict(), os.path.join(OUT, 'tiny-model-ema.th'))
    torch.save(nn.DataParallel(model).state_dict(), os.path.join(OUT, 'tiny-model-ema-legacy.th'),
               _use_new_zipfile_serialization=False)
    with open(os.path.join(OUT, 'tiny-hps.json'), 'w') as f:
        json.dump(TINY, f, indent=2)
        f.write('\n')
    arrays = {}
    for k, v in out.items():
        v = v.detach().numpy()
        arrays[k] = v.astype(np.int32 if v.dtype.kind in 'iu' else np.float32)
    write_safetensors(os.path.join(OUT, 'parity.safetensors'), arrays, {**meta, 'hps': json.dumps(TINY)})
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f'wrote {OUT}: {total} bytes, {sum(p.numel() for p in model.parameters())} parameters, {groups} groups')


if __name__ == '__main__':
    main()
