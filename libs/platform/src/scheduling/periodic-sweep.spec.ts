import pino from 'pino';
import { intervalFromEnv, PeriodicSweep } from './periodic-sweep';

describe('intervalFromEnv', () => {
  it('gives the default when unset or empty, minutes as milliseconds, 0 for off', () => {
    expect(intervalFromEnv({}, 'X_MINUTES', 60)).toBe(3_600_000);
    expect(intervalFromEnv({ X_MINUTES: '' }, 'X_MINUTES', 60)).toBe(3_600_000);
    expect(intervalFromEnv({ X_MINUTES: '5' }, 'X_MINUTES', 60)).toBe(300_000);
    expect(intervalFromEnv({ X_MINUTES: '0' }, 'X_MINUTES', 60)).toBe(0);
  });

  it.each(['-1', '1.5', 'soon', '10081'])('refuses %p, naming the variable', (raw) => {
    expect(() => intervalFromEnv({ X_MINUTES: raw }, 'X_MINUTES', 60)).toThrow(/X_MINUTES must be an integer from 0 \(off\) to 10080 minutes/);
  });
});

describe('PeriodicSweep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs one at a time, skipping beats while a run lasts, and stop() waits for the run in progress', async () => {
    let finish!: () => void;
    const run = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const sweep = new PeriodicSweep('test sweep', 1_000, run, pino({ level: 'silent' }));
    sweep.start();
    jest.advanceTimersByTime(3_500);
    expect(run).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = sweep.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    jest.advanceTimersByTime(5_000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('never starts with an interval of 0, and a failed run is logged and retried at the next beat', async () => {
    const off = jest.fn(async () => undefined);
    new PeriodicSweep('off', 0, off, pino({ level: 'silent' })).start();
    jest.advanceTimersByTime(60_000);
    expect(off).not.toHaveBeenCalled();

    const failing = jest.fn(async () => {
      throw new Error('down');
    });
    const sweep = new PeriodicSweep('failing', 1_000, failing, pino({ level: 'silent' }));
    sweep.start();
    jest.advanceTimersByTime(1_000);
    await sweep.stop();
    sweep.start();
    jest.advanceTimersByTime(1_000);
    await sweep.stop();
    expect(failing).toHaveBeenCalledTimes(2);
  });
});
