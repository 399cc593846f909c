import { type Module, saveCheckpoint } from '@scalespace/core';

/** What SinGAN and PetsGAN share: a config, the network that holds the weights, saving and disposal. */
export abstract class SingleImageModelBase<C, N extends Module> {
  readonly config: C;
  readonly net: N;

  constructor(config: C, net: N) {
    this.config = config;
    this.net = net;
  }

  /** Writes the model (weights + config) to a directory. */
  async save(dir: string): Promise<void> {
    await saveCheckpoint(dir, this.net, this.config);
  }

  dispose(): void {
    this.net.dispose();
  }
}
