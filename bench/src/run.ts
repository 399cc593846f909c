// `pnpm bench [name ...]`: runs the named benchmarks (all when none is named).
export {};

const benches: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  core: () => import('./core.js'),
  autoregressive: () => import('./autoregressive.js'),
  'autoregressive-photos': () => import('./autoregressive-photos.js'),
  data: () => import('./data.js'),
  denoisers: () => import('./denoisers.js'),
  hvae: () => import('./hvae.js'),
  metrics: () => import('./metrics.js'),
  pyramids: () => import('./pyramids.js'),
  scaling: () => import('./scaling.js'),
  singan: () => import('./singan.js'),
  kadkhodaie: () => import('./kadkhodaie.js'),
  sr: () => import('./sr.js'),
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = requested.length > 0 ? requested : Object.keys(benches);
for (const name of names) {
  const load = benches[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; available: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== bench ${name} ==`);
  await (await load()).run();
}
