import type { CpuInfo } from 'node:os';
import { cpuPercent, cpuTimes, diskStats, loadPercent } from './stats-sample';

const cpu = (user: number, idle: number): CpuInfo => ({
  model: 'x',
  speed: 1,
  times: { user, nice: 0, sys: 0, irq: 0, idle },
});

describe('stats sampling', () => {
  it('computes CPU use from the difference of two readings over all cores', () => {
    const before = cpuTimes([cpu(100, 900), cpu(100, 900)]);
    const after = cpuTimes([cpu(200, 900), cpu(100, 1000)]);
    expect(cpuPercent(before, after)).toBe(50);
    expect(cpuPercent(after, after)).toBe(0);
  });

  it('gives disk figures like psutil, leaving root-reserved blocks out of the percentage', () => {
    expect(diskStats({ bsize: 4096, blocks: 1000, bfree: 300, bavail: 250 })).toEqual({
      total: 4096000,
      free: 1024000,
      percent: 73.7,
    });
    expect(diskStats({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }).percent).toBe(0);
  });

  it('expresses the load average per core', () => {
    expect(loadPercent(1, 2)).toBe(50);
    expect(loadPercent(3, 0)).toBe(300);
  });
});
