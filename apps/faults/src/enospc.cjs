// Preloaded (node --require) into a CLI process to simulate a full disk on save: the
// SCALESPACE_FAULT_ENOSPC-th temporary .safetensors file the process opens for writing gets half its
// bytes, then ENOSPC, as a disk that fills up mid-save would give. Test tooling only.
const fsp = require('node:fs/promises');
const { syncBuiltinESMExports } = require('node:module');

const failAt = Number(process.env.SCALESPACE_FAULT_ENOSPC);
let opened = 0;
const open = fsp.open;
fsp.open = async function openWithFullDisk(path, flags, mode) {
  const handle = await open(path, flags, mode);
  const name = String(path);
  if (flags === 'w' && name.endsWith('.tmp') && name.includes('.safetensors.') && ++opened === failAt) {
    const writeFile = handle.writeFile.bind(handle);
    handle.writeFile = async (data) => {
      await writeFile(data.subarray(0, Math.floor(data.length / 2)));
      const error = new Error(`ENOSPC: no space left on device, write`);
      Object.assign(error, { code: 'ENOSPC', errno: -28, syscall: 'write', path: name });
      throw error;
    };
  }
  return handle;
};
syncBuiltinESMExports();
