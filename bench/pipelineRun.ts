import { join } from "node:path";
import { measuredRun, type MeasuredRun, type TimedLine } from "./measuredRun.ts";

/** One phase of an `etl run`: its wall time and the peak resident memory sampled during it. */
export type Phase = { name: string; seconds: number; peakRssMb?: number };

/** An `etl run` as the benchmark saw it. */
export type PipelineRun = { run: MeasuredRun; phases: Phase[]; result: { status: string; stats: Record<string, number> } };

type StepLog = { message?: string; step?: string; durationMs?: number };

function stepLog(line: TimedLine): StepLog | undefined {
  if (line.stream !== "stderr" || !line.text.startsWith("{")) return undefined;
  try {
    return JSON.parse(line.text) as StepLog;
  } catch {
    return undefined;
  }
}

/**
 * Runs `etl run` end to end in its own process, as a user would, and splits its wall time into
 * phases from what it prints: the CLI's progress line (`<file> → s3://…`) ends the start-up
 * (Node, the emulators, the resources), the first step's log line ends the upload, each step's
 * own `step finished` log gives its duration, the JSON result on stdout ends the result and lake
 * mirror, and the exit ends the shutdown. What the steps' durations leave of the execution is the
 * state machine's own time ("orchestration"). A marker the CLI does not print folds its phase
 * into the next one.
 */
export async function pipelineRun(root: string, file: string, config: string, stateDir: string, env: NodeJS.ProcessEnv): Promise<PipelineRun> {
  const run = await measuredRun(
    process.execPath,
    [join(root, "cli/bin/etl.mjs"), "run", file, "--config", config, "--state-dir", stateDir, "--fresh", "--json", "--verbose"],
    { cwd: root, env: { ...env, ETL_LOG_LEVEL: "info" } },
  );
  const resultLine = run.lines.find((l) => l.stream === "stdout" && l.text.startsWith("{"));
  if (run.code !== 0 || !resultLine) {
    const tail = run.lines.filter((l) => l.stream === "stderr").slice(-20).map((l) => l.text).join("\n");
    throw new Error(`etl run exited with ${run.code}:\n${resultLine?.text ?? ""}\n${tail}`);
  }
  return { run, phases: phasesOf(run), result: JSON.parse(resultLine.text) };
}

/** Splits a finished `etl run`'s wall time into phases, from its timed lines (see `pipelineRun`). */
export function phasesOf(run: Pick<MeasuredRun, "lines" | "samples" | "seconds">): Phase[] {
  const resultLine = run.lines.find((l) => l.stream === "stdout" && l.text.startsWith("{"));
  // Boundaries in ms since spawn; a step's own duration comes from its log, not from arrivals.
  const marks: { name: string; end: number; durationMs?: number }[] = [];
  const uploadLine = run.lines.find((l) => l.stream === "stderr" && / → s3:\/\//.test(l.text));
  if (uploadLine) marks.push({ name: "start-up (node, emulators)", end: uploadLine.at });
  let open: { step: string; at: number } | undefined;
  for (const line of run.lines) {
    const log = stepLog(line);
    if (log?.message === "step started" && log.step) {
      if (!marks.some((m) => m.name === "upload to raw bucket")) marks.push({ name: "upload to raw bucket", end: line.at });
      open = { step: log.step, at: line.at };
    } else if (log?.message === "step finished" && log.step && open?.step === log.step) {
      marks.push({ name: `step ${log.step}`, end: line.at, durationMs: log.durationMs });
      open = undefined;
    }
  }
  marks.push({ name: "result + lake mirror", end: resultLine?.at ?? run.seconds * 1000 });
  marks.push({ name: "shutdown", end: run.seconds * 1000 });

  const rssDuring = (from: number, to: number) => {
    const mbs = run.samples.filter((s) => s.at >= from && s.at < to).map((s) => s.mb);
    return mbs.length ? Math.max(...mbs) : undefined;
  };
  const phases: Phase[] = [];
  let previous = 0;
  let stepsMs = 0;
  let executionMs = 0;
  for (const m of marks) {
    const ms = m.durationMs ?? m.end - previous;
    if (m.name.startsWith("step ")) {
      stepsMs += ms;
      executionMs = m.end - (marks.find((x) => x.name === "upload to raw bucket")?.end ?? 0);
    }
    phases.push({ name: m.name, seconds: ms / 1000, peakRssMb: rssDuring(m.end - ms, m.end) });
    previous = m.end;
  }
  const at = phases.findIndex((p) => p.name === "result + lake mirror");
  phases.splice(at, 0, { name: "orchestration (state machine)", seconds: Math.max(0, executionMs - stepsMs) / 1000 });
  return phases;
}
