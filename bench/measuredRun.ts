import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** A line a child printed, with when it arrived (ms since the child was spawned). */
export type TimedLine = { at: number; stream: "stdout" | "stderr"; text: string };

/** How a child process ran: wall time, exit code, peak memory and what it printed, timed. */
export type MeasuredRun = {
  seconds: number;
  code: number | null;
  /** Peak resident memory of the child and its descendants, in MB; undefined without /proc. */
  peakRssMb?: number;
  /** Resident memory samples (ms since spawn, MB), every `SAMPLE_MS`. */
  samples: { at: number; mb: number }[];
  lines: TimedLine[];
};

const SAMPLE_MS = 50;

/** `VmRSS` or `VmHWM` of one process, in kB; 0 once it is gone. */
function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A process and its descendants, from /proc (a child's own children are counted too). */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${pids[i]}/task`)) {
        const children = readFileSync(`/proc/${pids[i]}/task/${tid}/children`, "utf8").trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process ended between two reads.
    }
  }
  return pids;
}

/**
 * Runs a command to its end and measures it. Memory is sampled from /proc, because
 * `/usr/bin/time -v` is not everywhere and the child's own `maxRSS` misses its children; the
 * main process's high-water mark (`VmHWM`) covers peaks between two samples. Lines are stamped
 * as they arrive: Node writes to pipes synchronously on Linux, so arrival is when they were printed.
 */
export function measuredRun(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<MeasuredRun> {
  const procfs = process.platform === "linux";
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const lines: TimedLine[] = [];
    const samples: { at: number; mb: number }[] = [];
    let hwmKb = 0;
    const sample = () => {
      if (!procfs || child.pid === undefined) return;
      const kb = processTree(child.pid).reduce((sum, pid) => sum + statusKb(pid, "VmRSS"), 0);
      hwmKb = Math.max(hwmKb, statusKb(child.pid, "VmHWM"));
      if (kb > 0) samples.push({ at: performance.now() - started, mb: kb / 1024 });
    };
    const timer = setInterval(sample, SAMPLE_MS);
    for (const stream of ["stdout", "stderr"] as const) {
      createInterface({ input: child[stream] }).on("line", (text) => lines.push({ at: performance.now() - started, stream, text }));
    }
    child.on("error", (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on("exit", () => sample());
    child.on("close", (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      const peakKb = Math.max(hwmKb, ...samples.map((s) => s.mb * 1024));
      resolvePromise({ seconds, code, peakRssMb: procfs && peakKb > 0 ? peakKb / 1024 : undefined, samples, lines: lines.sort((a, b) => a.at - b.at) });
    });
  });
}
