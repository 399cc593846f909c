import { type ImageDataset, loadMnist, padImages } from '@scalespace/data';

/** MNIST (from @scalespace/data) padded by 2 pixels to 32x32, the size of the shipped models. */
export async function loadMnist32(split: 'train' | 'test'): Promise<ImageDataset> {
  return padImages(await loadMnist(split), 2);
}
