// The held-out photos shipped with the flat denoiser's package, as URLs the page can fetch. The page asks the worker:
// importing the model package there would pull TensorFlow.js into the page's own bundle.
export async function heldOutPhotos(): Promise<Array<{ label: string; url: string }>> {
  const { heldOutPhotos: photos } = await import('@scalespace/model-denoiser-flat-rf43');
  return Object.entries(photos).flatMap(([label, url]) => (url ? [{ label, url: url.href }] : []));
}
