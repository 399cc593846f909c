// The studio: a tab per panel, a compute worker shared by all of them, and a status line that says which backend
// runs the models (and on what adapter) and how many tensors the worker holds.
import './style.css';
import { ComputeClient } from './compute/client.js';
import { mountDenoise } from './panels/denoise.js';
import { mountExplorer } from './panels/explorer.js';
import { mountPixelPyramids } from './panels/pixel-pyramids.js';
import { mountSingan } from './panels/singan.js';
import { mountSuperResolution } from './panels/super-resolution.js';
import { el, seconds } from './ui/dom.js';

const PANELS = [
  { id: 'denoise', title: 'Denoise', mount: mountDenoise },
  { id: 'super-resolution', title: 'Diverse SR (CVDVAE)', mount: mountSuperResolution },
  { id: 'pixel-pyramids', title: 'PixelPyramids', mount: mountPixelPyramids },
  { id: 'singan', title: 'SinGAN', mount: mountSingan },
  { id: 'explorer', title: 'Pyramids & wavelets', mount: mountExplorer },
];

const compute = new ComputeClient(new URLSearchParams(location.search).get('backend'));
const statusLine = document.getElementById('compute-status')!;
compute.onStatus((status) => {
  if ('starting' in status) {
    statusLine.dataset.state = 'starting';
    statusLine.textContent = 'starting the backend…';
  } else if ('error' in status) {
    statusLine.dataset.state = 'error';
    statusLine.textContent = status.error;
  } else {
    // core's label names the adapter (and says when it is a software fallback) for WebGPU and WebGL.
    statusLine.dataset.state = 'ready';
    statusLine.dataset.backend = status.backend;
    statusLine.dataset.tensors = String(status.numTensors);
    statusLine.textContent = `backend ${status.label} · started in ${seconds(status.startSeconds)} · ${status.numTensors} tensors held`;
  }
});

const tabs = document.getElementById('tabs')!;
const panels = document.getElementById('panels')!;
const sections = new Map<string, HTMLElement>();
for (const panel of PANELS) {
  const section = el('section', { id: panel.id, class: 'panel', hidden: true }, el('h2', {}, panel.title));
  panel.mount(section, compute);
  sections.set(panel.id, section);
  panels.append(section);
  tabs.append(el('a', { href: `#${panel.id}`, 'data-panel': panel.id }, panel.title));
}

function showPanel(): void {
  const id = sections.has(location.hash.slice(1)) ? location.hash.slice(1) : PANELS[0].id;
  for (const [key, section] of sections) section.hidden = key !== id;
  for (const link of tabs.querySelectorAll('a')) link.classList.toggle('active', link.dataset.panel === id);
}
window.addEventListener('hashchange', showPanel);
showPanel();
void compute.start().catch(() => {
  // Shown by the status line.
});
