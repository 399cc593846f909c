"""A full-size check of `scalespace convert --from vdvae` (not a committed fixture: the files are 150-460 MB).

Builds the official VAE of an hps.py set (openai/vdvae's vae.py and hps.py from OFFICIAL in make_fixtures.py) with
random weights (the official initialisation, plus small noise on the parameters it starts at zero), runs the
official training-loss pass on one random image of the set's size with recorded posterior noise, and writes to
OUT_DIR: PRESET-model-ema.th (torch.save zip format) and PRESET-parity.safetensors (input, eps per group, KL per
group, distortion, rate, elbo, as make_fixtures.py names them with the dataset's name as prefix).
Then, from packages/hvae: npx tsx scripts/check-official-full-size.ts OUT_DIR PRESET

Run from the repository root: /usr/bin/python3 scripts/parity/vdvae/full_size.py PRESET OUT_DIR
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402

SIZES = {'cifar10': 32, 'imagenet32': 32, 'imagenet64': 64, 'ffhq_256': 256, 'ffhq_1024': 1024}


def main():
    preset, out_dir = sys.argv[1], sys.argv[2]
    meta = mf.provenance()
    H = mf.official_hps.Hyperparams()
    H.update(vars(mf.official_hps.add_vae_arguments(argparse.ArgumentParser()).parse_args([])))
    H.update(mf.official_hps.HPARAMS_REGISTRY[preset])
    H.image_size, H.image_channels = SIZES[H.dataset], 3  # what data.py sets
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = mf.official_vae.VAE(H)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if not name.endswith('.weight'):
                p.add_(torch.randn(p.shape, generator=generator) * 0.05)
            elif p.abs().max() == 0:
                p.add_(torch.randn(p.shape, generator=generator) * 0.1 / np.sqrt(p[0].numel()))
    model.eval()
    tape = mf.NoiseTape(generator)
    mf.official_vae.draw_gaussian_diag_samples = tape
    x = np.random.RandomState(0).randint(0, 256, size=(1, H.image_size, H.image_size, 3)).astype(np.uint8)
    with torch.no_grad():
        out, _ = mf.elbo_pass(model, H, tape, x, H.dataset)
    os.makedirs(out_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(out_dir, f'{preset}-model-ema.th'))
    arrays = {k: v.detach().numpy().astype(np.float32) for k, v in out.items() if not k.endswith('.params')}
    arrays['input'] = x.astype(np.int32)
    mf.write_safetensors(os.path.join(out_dir, f'{preset}-parity.safetensors'), arrays,
                         {**meta, 'dataset': H.dataset})
    print(f'{preset}: {sum(p.numel() for p in model.parameters())} parameters, {len(model.decoder.dec_blocks)} groups')


if __name__ == '__main__':
    main()
