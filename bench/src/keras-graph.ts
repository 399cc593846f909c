// A Keras functional model (a tfjs layers-model.json and its weights) run with tensor ops alone, for the
// few layer types the bench's npm reference network uses, so the bench needs no tfjs-layers.
import { tf } from '@scalespace/core';

interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: Array<Array<[string, number, number, unknown]>>;
}

export interface KerasGraph {
  run: (input: tf.Tensor4D) => tf.Tensor4D;
  dispose: () => void;
}

function activate(x: tf.Tensor, activation: unknown): tf.Tensor {
  if (activation === undefined || activation === 'linear') return x;
  if (activation === 'relu') return tf.relu(x);
  throw new Error(`keras graph: activation "${activation}" is not supported`);
}

/** Builds a runner from a layers-model topology (`modelTopology`) and its decoded weights by name. */
export function kerasGraph(topology: unknown, weights: Record<string, tf.Tensor>): KerasGraph {
  const config = (topology as { model_config: { config: { layers: KerasLayer[]; output_layers: string[][] } } })
    .model_config.config;
  const layers = config.layers;
  const output = config.output_layers[0][0];
  const apply = (layer: KerasLayer, inputs: tf.Tensor[]): tf.Tensor => {
    const c = layer.config;
    switch (layer.class_name) {
      case 'Conv2D': {
        const [sh, sw] = c.strides as [number, number];
        const [dh, dw] = c.dilation_rate as [number, number];
        let y: tf.Tensor = tf.conv2d(
          inputs[0] as tf.Tensor4D,
          weights[`${layer.name}/kernel`] as tf.Tensor4D,
          [sh, sw],
          c.padding as 'same' | 'valid',
          'NHWC',
          [dh, dw],
        );
        if (c.use_bias) y = tf.add(y, weights[`${layer.name}/bias`]);
        return activate(y, c.activation);
      }
      case 'Activation':
        return activate(inputs[0], c.activation);
      case 'Concatenate':
        return tf.concat(inputs, c.axis as number);
      case 'Add':
        return tf.addN(inputs);
      case 'UpSampling2D': {
        if (c.interpolation !== 'nearest') throw new Error('keras graph: only nearest UpSampling2D is supported');
        const [fh, fw] = c.size as [number, number];
        const x = inputs[0] as tf.Tensor4D;
        return tf.image.resizeNearestNeighbor(x, [x.shape[1] * fh, x.shape[2] * fw]);
      }
      default:
        throw new Error(`keras graph: layer type ${layer.class_name} (${layer.name}) is not supported`);
    }
  };
  return {
    run: (input) =>
      tf.tidy(() => {
        const values = new Map<string, tf.Tensor>();
        for (const layer of layers) {
          if (layer.class_name === 'InputLayer') {
            values.set(layer.name, input);
            continue;
          }
          const inbound = layer.inbound_nodes[0].map(([name]) => {
            const v = values.get(name);
            if (!v) throw new Error(`keras graph: ${layer.name} reads ${name} before it is computed`);
            return v;
          });
          values.set(layer.name, apply(layer, inbound));
        }
        return values.get(output) as tf.Tensor4D;
      }),
    dispose: () => tf.dispose(Object.values(weights)),
  };
}
