import type { CpuInfo } from 'node:os';
import type { ServerStats } from '../events/messages';

/** Busy and total CPU time summed over all cores, from `os.cpus()`. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** What `fs.statfs` reports that disk figures need. */
export interface StatFsLike {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Sums the per-core times of `os.cpus()`. */
export function cpuTimes(cpus: CpuInfo[]): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/** CPU use between two readings, in percent of all cores (0 when no time passed). */
export function cpuPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return round1(Math.min(100, Math.max(0, ((after.busy - before.busy) / total) * 100)));
}

/**
 * Disk figures as psutil gives them: `free` is what an unprivileged user may still write, `percent` is used
 * over used + that free (blocks reserved for root count as neither).
 */
export function diskStats(fs: StatFsLike): ServerStats['disk'] {
  const total = fs.blocks * fs.bsize;
  const free = fs.bavail * fs.bsize;
  const used = (fs.blocks - fs.bfree) * fs.bsize;
  return { free, total, percent: used + free > 0 ? round1((used / (used + free)) * 100) : 0 };
}

/** The one-minute load average as a percentage of the cores. */
export function loadPercent(load1: number, cores: number): number {
  return round1((load1 / Math.max(1, cores)) * 100);
}
