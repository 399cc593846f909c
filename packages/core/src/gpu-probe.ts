// Finding out what GPU a backend would run on: the WebGPU adapter (Dawn in Node, navigator.gpu in a
// browser) and the WebGL renderer. Software ones (SwiftShader, llvmpipe) are far slower than wasm, so
// the ladder skips them unless a backend is forced.
import * as platform from '#platform';

/** The GPU (or software rasterizer) a backend runs on, as the adapter reports it. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  /** Driver or renderer description, when the adapter gives one. */
  description: string;
  /** A software adapter (SwiftShader, llvmpipe): correct but slower than wasm. */
  fallback: boolean;
}

// The few WebGPU members used here (TypeScript's DOM library has no WebGPU types).
export interface GpuAdapter {
  readonly info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: unknown): Promise<unknown>;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/** The best WebGPU adapter here and what it is, or null when WebGPU is unavailable. */
export async function webgpuAdapter(): Promise<{ gpu: unknown; adapter: GpuAdapter; info: AdapterInfo } | null> {
  const gpu = (await platform.webgpu()) as { requestAdapter(o?: unknown): Promise<GpuAdapter | null> } | null;
  if (!gpu) return null;
  let adapter: GpuAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    return null;
  }
  if (!adapter) return null;
  const raw = adapter.info ?? {};
  const info: AdapterInfo = {
    vendor: raw.vendor ?? '',
    architecture: raw.architecture ?? '',
    description: raw.description ?? '',
    fallback: false,
  };
  info.fallback =
    raw.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    SOFTWARE.test(`${info.architecture} ${info.description}`);
  return { gpu, adapter, info };
}

/** Asks for a device with the limits tfjs-backend-webgpu relies on (as its own factory does). */
export function requestWebgpuDevice(adapter: GpuAdapter): Promise<unknown> {
  const limits = adapter.limits;
  const requiredFeatures = ['timestamp-query', 'bgra8unorm-storage'].filter((f) => adapter.features.has(f));
  return adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
}

/** The WebGL 2 renderer of this page (unmasked when the browser allows), or null without WebGL 2. */
export function webglRenderer(): AdapterInfo | null {
  if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') return null;
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const vendor = String(gl.getParameter(debug ? debug.UNMASKED_VENDOR_WEBGL : gl.VENDOR) ?? '');
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { vendor, architecture: renderer, description: renderer, fallback: SOFTWARE.test(renderer) };
}
