import { describe, expect, it } from "vitest";
import type { TimedLine } from "../../bench/measuredRun.ts";
import { phasesOf } from "../../bench/pipelineRun.ts";

const err = (at: number, text: string): TimedLine => ({ at, stream: "stderr", text });
const log = (at: number, message: string, step: string, durationMs?: number) =>
  err(at, JSON.stringify({ level: "info", message, step, ...(durationMs === undefined ? {} : { durationMs }) }));

describe("phasesOf (how the benchmark splits an etl run)", () => {
  const lines: TimedLine[] = [
    err(1000, "sales.csv → s3://etl-raw/incoming/sales.csv"),
    log(1500, "step started", "extract"),
    err(1510, "  · Extract"),
    log(1700, "step finished", "extract", 190),
    log(1750, "step started", "clean"),
    err(2000, "{not json"),
    log(4750, "step finished", "clean", 3000),
    { at: 5750, stream: "stdout", text: '{"status":"SUCCESS"}' },
  ];
  const samples = [
    { at: 500, mb: 100 },
    { at: 1200, mb: 300 },
    { at: 3000, mb: 900 },
    { at: 5000, mb: 400 },
  ];

  it("times start-up, upload, each step from its own log, the state machine's share, the mirror and shutdown", () => {
    const phases = phasesOf({ lines, samples, seconds: 6 });
    expect(phases.map((p) => [p.name, Number(p.seconds.toFixed(3))])).toEqual([
      ["start-up (node, emulators)", 1],
      ["upload to raw bucket", 0.5],
      ["step extract", 0.19],
      ["step clean", 3],
      // 3.25 s from the first step's start to the last one's end, 3.19 s of it in steps.
      ["orchestration (state machine)", 0.06],
      ["result + lake mirror", 1],
      ["shutdown", 0.25],
    ]);
    const total = phases.reduce((s, p) => s + p.seconds, 0);
    expect(total).toBeCloseTo(6, 5);
  });

  it("gives each phase the peak memory sampled while it ran", () => {
    const peak = Object.fromEntries(phasesOf({ lines, samples, seconds: 6 }).map((p) => [p.name, p.peakRssMb]));
    expect(peak["start-up (node, emulators)"]).toBe(100);
    expect(peak["upload to raw bucket"]).toBe(300);
    expect(peak["step clean"]).toBe(900);
    expect(peak["step extract"]).toBeUndefined();
  });

  it("folds a phase whose marker is missing into the next one", () => {
    const phases = phasesOf({ lines: lines.filter((l) => !l.text.includes("→ s3://")), samples, seconds: 6 });
    expect(phases[0]).toMatchObject({ name: "upload to raw bucket", seconds: 1.5 });
  });
});
