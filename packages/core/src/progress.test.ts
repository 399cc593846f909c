import { describe, expect, it, vi } from 'vitest';
import { AbortError, InterruptedError, InvalidArgumentError } from './errors.js';
import { formatProgress, type ProgressEvent, progressBar, trainLoop } from './progress.js';

describe('trainLoop', () => {
  it('runs every step, reports progress with an ETA, checkpoints on schedule', async () => {
    const events: ProgressEvent[] = [];
    const checkpoints: number[] = [];
    const result = await trainLoop({
      total: 10,
      step: (i) => ({ loss: 10 - i, metrics: { lr: 0.1 } }),
      onProgress: (e) => events.push(e),
      checkpointEvery: 4,
      onCheckpoint: (n) => {
        checkpoints.push(n);
      },
    });
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events[9].loss).toBe(1);
    expect(events[9].etaSeconds).toBe(0);
    expect(events[0].etaSeconds).toBeGreaterThanOrEqual(0);
    expect(checkpoints).toEqual([4, 8, 10]);
    expect(result).toMatchObject({ steps: 10, lastLoss: 1 });
  });

  it('an interrupt (InterruptedError reason) checkpoints the last finished step before it stops', async () => {
    const controller = new AbortController();
    const checkpoints: number[] = [];
    const error = await trainLoop({
      total: 100,
      signal: controller.signal,
      checkpointEvery: 10,
      onCheckpoint: (n) => void checkpoints.push(n),
      step: (i) => {
        if (i === 12) controller.abort(new InterruptedError('interrupted by SIGINT'));
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toMatch(/interrupted after step 13 of 100; a checkpoint was written/);
    expect(checkpoints).toEqual([10, 13]);
    // Interrupted right after a scheduled checkpoint: nothing more to write.
    const again = new AbortController();
    const saved: number[] = [];
    await expect(
      trainLoop({
        total: 100,
        signal: again.signal,
        checkpointEvery: 10,
        onCheckpoint: (n) => void saved.push(n),
        step: (i) => {
          if (i === 9) again.abort(new InterruptedError('interrupted'));
        },
      }),
    ).rejects.toThrow(AbortError);
    expect(saved).toEqual([10]);
  });

  it('resumes from startStep', async () => {
    const seen: number[] = [];
    await trainLoop({ total: 5, startStep: 3, step: (i) => void seen.push(i) });
    expect(seen).toEqual([3, 4]);
    await expect(trainLoop({ total: 5, startStep: 6, step: () => 0 })).rejects.toThrow(InvalidArgumentError);
  });

  it('stops between steps when aborted, after the last checkpoint completed', async () => {
    const controller = new AbortController();
    const done: number[] = [];
    const checkpoints: number[] = [];
    const run = trainLoop({
      total: 1000,
      signal: controller.signal,
      step: async (i) => {
        done.push(i);
        if (i === 6) setTimeout(() => controller.abort(new Error('user pressed Ctrl-C')), 0);
        await new Promise((r) => setTimeout(r, 2));
      },
      checkpointEvery: 5,
      onCheckpoint: (n) => {
        checkpoints.push(n);
      },
    });
    await expect(run).rejects.toThrow(AbortError);
    await expect(run).rejects.toThrow(/user pressed Ctrl-C/);
    expect(done.length).toBeLessThan(20);
    expect(checkpoints).toEqual([5]);
  });
});

describe('progress display', () => {
  it('formats a bar with loss and ETA', () => {
    const line = formatProgress({ step: 50, total: 100, loss: 0.123456, etaSeconds: 75 }, 'train', 10);
    expect(line).toBe('train [#####.....] 50/100 loss 0.1235 eta 1m15s');
  });

  it('prints a line at the start and at every 10% when not a TTY', () => {
    const lines: string[] = [];
    const bar = progressBar('x', { write: (s: string) => lines.push(s), isTTY: false });
    for (let i = 1; i <= 100; i++) bar({ step: i, total: 100, etaSeconds: 0 });
    bar.done();
    expect(lines.length).toBe(11);
  });

  it('shares one TTY line between phases that run at once and leaves each finished phase on its own line', () => {
    let out = '';
    const bar = progressBar('', { write: (s: string) => (out += s), isTTY: true });
    let clock = 1000;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    bar({ step: 1, total: 3, etaSeconds: 1, phase: 'gan' });
    clock += 200;
    bar({ step: 1, total: 3, etaSeconds: 1, phase: 'restoration' });
    clock += 50;
    bar({ step: 2, total: 3, etaSeconds: 1, phase: 'gan' }); // within 100 ms of the last paint: skipped
    bar({ step: 3, total: 3, etaSeconds: 0, phase: 'gan' });
    bar.done();
    spy.mockRestore();
    const painted = out.split('\r\x1b[2K').filter(Boolean);
    expect(painted).toHaveLength(4);
    expect(painted[0]).toMatch(/^gan .* 1\/3 /);
    expect(painted[1]).toMatch(/^gan .* 1\/3 .*\| {2}restoration .* 1\/3 /);
    // The GAN's last step: its final line ends with a newline, then the restoration repaints alone.
    expect(painted[2]).toMatch(/^gan .* 3\/3 .*\n$/);
    expect(painted[3]).toMatch(/^restoration .* 1\/3 eta \S+\n$/); // alone, then done() ends the line
    expect(out.endsWith('\n')).toBe(true);
  });
});
