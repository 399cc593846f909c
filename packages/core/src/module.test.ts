import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, InvalidArgumentError } from './errors.js';
import { Conv2d, Linear } from './layers.js';
import { Module } from './module.js';
import { rng } from './rng.js';
import { tf } from './tf.js';

class Block extends Module {
  readonly conv: Conv2d;
  readonly scale = this.buffer('scale', () => tf.ones([4]));
  constructor(seed: number) {
    super();
    this.conv = this.child('conv', new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, rng: rng(seed) }));
  }
}

class Net extends Module {
  readonly embed: Linear;
  readonly blocks: Block[];
  readonly gain = this.param('gain', () => tf.scalar(2));
  constructor(seed = 1) {
    super();
    this.embed = this.child('embed', new Linear({ inFeatures: 3, outFeatures: 4, rng: rng(seed) }));
    this.blocks = this.childList('blocks', [new Block(seed + 1), new Block(seed + 2)]);
  }
  forward(x: tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => {
      let h = this.embed.forward(x) as tf.Tensor4D;
      for (const b of this.blocks) h = tf.mul(b.conv.forward(h), b.scale);
      return tf.mul(tf.sum(h), this.gain);
    });
  }
}

describe('Module', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('names parameters and buffers with dotted paths', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'gain',
      'embed.weight',
      'embed.bias',
      'blocks.0.conv.weight',
      'blocks.0.conv.bias',
      'blocks.1.conv.weight',
      'blocks.1.conv.bias',
    ]);
    expect(Object.keys(net.stateDict())).toContain('blocks.1.scale');
    expect(net.numParameters()).toBe(1 + 3 * 4 + 4 + 2 * (9 * 16 + 4));
    net.dispose();
  });

  it('round-trips a state dict into a differently initialised module', () => {
    const before = tf.memory().numTensors;
    const a = new Net(1);
    const b = new Net(7);
    const x = rng(3).normalTensor([1, 5, 5, 3]) as tf.Tensor4D;
    const ya = a.forward(x);
    const yb = b.forward(x);
    expect(ya.dataSync()[0]).not.toBeCloseTo(yb.dataSync()[0], 3);
    b.loadStateDict(a.stateDict());
    const yb2 = b.forward(x);
    expect(yb2.dataSync()[0]).toBe(ya.dataSync()[0]);
    tf.dispose([x, ya, yb, yb2]);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('lists every mismatch at once and assigns nothing', () => {
    const net = new Net();
    const state = { ...net.stateDict() };
    const original = net.gain.dataSync()[0];
    const extra = tf.zeros([2]);
    const badShape = tf.zeros([3, 5]);
    const badType = tf.zeros([4], 'int32');
    const gainDifferent = tf.scalar(9);
    delete (state as Record<string, tf.Tensor>)['embed.bias'];
    const broken = {
      ...state,
      gain: gainDifferent,
      'embed.weight': badShape,
      'blocks.0.scale': badType,
      'head.weight': extra,
    };
    let message = '';
    try {
      net.loadStateDict(broken);
    } catch (error) {
      expect(error).toBeInstanceOf(CheckpointError);
      message = (error as Error).message;
    }
    expect(message).toContain('4 problems');
    expect(message).toContain('missing "embed.bias"');
    expect(message).toContain('"embed.weight": shape [3, 5]');
    expect(message).toContain('"blocks.0.scale": dtype int32');
    expect(message).toContain('unexpected "head.weight"');
    expect(net.gain.dataSync()[0]).toBe(original); // nothing assigned
    net.loadStateDict({ gain: gainDifferent }, { strict: false });
    expect(net.gain.dataSync()[0]).toBe(9);
    tf.dispose([extra, badShape, badType, gainDifferent]);
    net.dispose();
  });

  it('freezing keeps parameters bit-identical through training', () => {
    const net = new Net();
    net.blocks[0].setTrainable(false);
    const frozen = net.blocks[0].conv.weight.dataSync().slice();
    const live = net.blocks[1].conv.weight.dataSync().slice();
    const x = rng(4).normalTensor([2, 5, 5, 3]) as tf.Tensor4D;
    const optimizer = tf.train.adam(0.1);
    for (let i = 0; i < 3; i++) optimizer.minimize(() => tf.square(net.forward(x)) as tf.Scalar);
    expect(net.trainableParameters()).not.toContain(net.blocks[0].conv.weight);
    expect(Array.from(net.blocks[0].conv.weight.dataSync())).toEqual(Array.from(frozen));
    expect(Array.from(net.blocks[1].conv.weight.dataSync())).not.toEqual(Array.from(live));
    const { value, grads } = tf.variableGrads(() => tf.square(net.forward(x)) as tf.Scalar);
    expect(Object.keys(grads)).not.toContain(net.blocks[0].conv.weight.name);
    tf.dispose([value, ...Object.values(grads)]);
    tf.dispose(x);
    optimizer.dispose();
    net.dispose();
  });

  it('rejects bad and duplicate member names', () => {
    class Bad extends Module {
      constructor(name: string, twice = false) {
        super();
        this.param(name, () => tf.zeros([1]));
        if (twice) this.param(name, () => tf.zeros([1]));
      }
    }
    expect(() => new Bad('has space')).toThrow(InvalidArgumentError);
    expect(() => new Bad('w', true)).toThrow(/registered twice/);
  });

  it('train() and eval() switch the whole tree', () => {
    const net = new Net();
    net.eval();
    expect(net.blocks[1].conv.training).toBe(false);
    net.train();
    expect(net.blocks[1].conv.training).toBe(true);
    net.dispose();
  });
});
