import { CheckpointError, type CheckpointSource, loadCheckpoint, type Module, sourceName, tf } from '@scalespace/core';

/**
 * Reads a model directory whose config has `format`, builds the model from the config and loads the
 * weights into `model.net`; every mismatch is a CheckpointError naming the directory.
 */
export async function loadModelDir<C extends { format: string }, M extends { net: Module; dispose(): void }>(
  source: CheckpointSource,
  format: string,
  label: string,
  create: (config: C) => M,
): Promise<M> {
  const { tensors, config } = await loadCheckpoint<C>(source);
  try {
    if (!config || config.format !== format) {
      const found = (config as { format?: string } | null)?.format;
      throw new CheckpointError(
        `${sourceName(source)} is not a ${label} model (format ${String(found)}, expected ${format})`,
      );
    }
    const model = create(config);
    try {
      model.net.loadStateDict(tensors);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
