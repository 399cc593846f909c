import { Module, type tf } from '@scalespace/core';

/**
 * A list of bare parameters named `0`, `1`, ... under its parent (PyTorch's `nn.ParameterList`), so the
 * state dict reads `decoder.bias_xs.0` as in the official VD-VAE checkpoints.
 */
export class ParameterList extends Module {
  readonly items: tf.Variable[];

  constructor(inits: Array<() => tf.Tensor>) {
    super();
    this.items = inits.map((init, i) => this.param(`p${i}`, init));
  }

  override namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    return super.namedParameters(prefix).map(([name, v]) => [name.replace(/p(\d+)$/, '$1'), v]);
  }
}
