// The compute worker: starts the backend (the ladder, or the one the page's ?backend= names), runs tasks one at a
// time with progress and cancellation, and answers with plain typed arrays. Keeping tensors here keeps the page
// responsive while a model runs, and lets the page cancel even a synchronous model call (by ending the worker).
import { AbortError, type BackendName, backendInfo, initBackend, tf } from '@scalespace/core';
import type { TaskContext } from './context.js';
import { type ComputeStatus, type Reply, type Request, transferables } from './protocol.js';
import { TASKS, type TaskName } from './tasks/index.js';

// The worker's global scope, typed by hand: the DOM and WebWorker libraries cannot share one program.
const scope = self as unknown as {
  postMessage(message: Reply, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};
const running = new Map<number, AbortController>();
let ready: Promise<number> | null = null;

function post(reply: Reply): void {
  scope.postMessage(reply, reply.type === 'done' ? transferables(reply.output) : []);
}

async function status(): Promise<ComputeStatus> {
  const startSeconds = await ready!;
  const info = backendInfo();
  return {
    backend: info?.name ?? tf.getBackend(),
    label: info?.label ?? tf.getBackend(),
    numTensors: tf.memory().numTensors,
    startSeconds,
  };
}

async function start(backend: string | null): Promise<void> {
  const started = performance.now();
  ready = initBackend((backend ?? undefined) as BackendName | undefined, { log: false }).then(
    () => (performance.now() - started) / 1000,
  );
  post({ type: 'ready', status: await status() });
}

async function run(id: number, task: TaskName, input: unknown): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  const context: TaskContext = {
    signal: controller.signal,
    report: (progress) => post({ type: 'progress', id, progress }),
  };
  try {
    await ready;
    const run = TASKS[task] as (input: unknown, context: TaskContext) => Promise<unknown>;
    if (!run) throw new Error(`no task "${task}"`);
    const output = await run(input, context);
    post({ type: 'done', id, output, status: await status() });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    post({ type: 'error', id, name: controller.signal.aborted ? AbortError.name : e.name, message: e.message });
  } finally {
    running.delete(id);
  }
}

scope.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  if (request.type === 'init')
    start(request.backend).catch((error) =>
      post({ type: 'error', id: null, name: error?.name ?? 'Error', message: String(error?.message ?? error) }),
    );
  else if (request.type === 'run') void run(request.id, request.task as TaskName, request.input);
  else running.get(request.id)?.abort(new AbortError('cancelled'));
};
