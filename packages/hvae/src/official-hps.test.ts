import { InvalidArgumentError } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { OFFICIAL_HPS_PRESETS, parseOfficialHps, resolveOfficialHps, vdvaeConfigFromOfficial } from './official-hps.js';
import { resolveVDVAEConfig } from './vdvae-config.js';

describe('official VD-VAE hyper-parameters', () => {
  it('every hps.py set gives a network with the official block counts and data.py preprocessing', () => {
    // Encoder / decoder blocks as the official parse_layer_string expands hps.py's strings.
    const blocks: Record<string, [number, number]> = {
      cifar10: [33, 43],
      imagenet32: [48, 78],
      imagenet64: [65, 75],
      ffhq256: [68, 66],
      ffhq1024: [70, 70],
    };
    expect(Object.keys(OFFICIAL_HPS_PRESETS).sort()).toEqual(Object.keys(blocks).sort());
    for (const [name, [enc, dec]] of Object.entries(blocks)) {
      const config = resolveVDVAEConfig(vdvaeConfigFromOfficial(name));
      expect([config.encoder.length, config.decoder.length], name).toEqual([enc, dec]);
      expect(config.activation).toBe('gelu');
    }
    expect(vdvaeConfigFromOfficial('cifar10')).toMatchObject({ imageSize: 32, width: 384, zdim: 16, numMixtures: 10 });
    const ffhq256 = vdvaeConfigFromOfficial('ffhq256');
    expect(ffhq256).toMatchObject({ imageSize: 256, width: 512, bits: 5, quantization: 'truncate', noBiasAbove: 64 });
    // (v + shift) * scale of 0..255 values = (x - inputMean) / inputStd of x = v / 255.
    const v = 200;
    expect((v / 255 - ffhq256.inputMean) / ffhq256.inputStd).toBeCloseTo((v - 112.8666757481) / 69.84780273, 10);
    const ffhq1024 = resolveVDVAEConfig(vdvaeConfigFromOfficial('ffhq1024'));
    expect(ffhq1024).toMatchObject({ imageSize: 1024, width: 16, numMixtures: 2, inputMean: 0.4387, inputStd: 0.2743 });
    expect([ffhq1024.widthAt(1024), ffhq1024.widthAt(512), ffhq1024.widthAt(4)]).toEqual([16, 32, 512]);
  });

  it('reads a JSON object or the hparam lines of a run log, a named set first and the given names over it', () => {
    expect(parseOfficialHps('{"hparam_sets": "imagenet32", "width": 256}')).toEqual({
      hparam_sets: 'imagenet32',
      width: 256,
    });
    const log = [
      '{"time": "Mon", "type": "hparam", "key": "hparam_sets", "value": "imagenet64"}',
      '{"time": "Mon", "type": "hparam", "key": "zdim", "value": 8}',
      '{"time": "Mon", "message": "training model test on imagenet64"}',
    ].join('\n');
    const hps = resolveOfficialHps(parseOfficialHps(log));
    expect(hps).toMatchObject({ dataset: 'imagenet64', zdim: 8, width: 512, num_mixtures: 10 });
    expect(vdvaeConfigFromOfficial(parseOfficialHps(log))).toMatchObject({ imageSize: 64, zdim: 8 });
  });

  it('says what is wrong with bad hyper-parameters', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => vdvaeConfigFromOfficial('ffhq'), /unknown official hps set "ffhq": use cifar10, imagenet32/],
      [
        () => vdvaeConfigFromOfficial(parseOfficialHps('{"hparam_sets": "cifar10", "width": "384"}')),
        /width must be a number/,
      ],
      [() => vdvaeConfigFromOfficial({ hparam_sets: 'cifar10,lsun' }), /hparam_sets "lsun" is not one of/],
      [
        () => vdvaeConfigFromOfficial({ hparam_sets: 'cifar10', dataset: 'celeba' }),
        /dataset "celeba" is not one of data.py's .*give image_size, shift and scale/,
      ],
      [() => vdvaeConfigFromOfficial({ hparam_sets: 'cifar10', image_channels: 1 }), /models RGB only/],
      [() => vdvaeConfigFromOfficial({ width: 16 }), /enc_blocks and dec_blocks are needed/],
      [() => parseOfficialHps('[1, 2]'), /expected a JSON object of official hps names/],
      [() => parseOfficialHps('width: 16'), /line 1 is not JSON/],
      [() => parseOfficialHps('{"type": "train_loss"}\n{"elbo": 3}'), /without "hparam" lines/],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    }
    // Another dataset with its own preprocessing.
    const custom = vdvaeConfigFromOfficial({
      hparam_sets: 'cifar10',
      dataset: 'celeba',
      image_size: 64,
      shift: -100,
      scale: 0.02,
    });
    expect(custom).toMatchObject({ imageSize: 64, bits: 8, quantization: 'rescale' });
    expect((255 - custom.inputMean * 255) / (custom.inputStd * 255)).toBeCloseTo((255 - 100) * 0.02, 10);
  });
});
