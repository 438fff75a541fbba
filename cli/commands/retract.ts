import type { Command } from "commander";
import { INCOMING_PREFIX } from "../../core/config/matchDataset.ts";
import { existingStateDir } from "../../local/stateDir.ts";
import { loadConfig } from "../loadConfig.ts";
import type { CommandModule } from "../main.ts";
import { withCommonOptions, withWriterOptions } from "../options.ts";
import { UsageError } from "../usageError.ts";
import { openWriter, type WriterOptions } from "../writerSession.ts";
import { keyProblem } from "./run.ts";

type RetractOptions = WriterOptions & { keepRaw: boolean };

const EXAMPLES = `
Removes one source key's rows from silver and quarantine and recomputes the gold they fed, as a
job of its own (the same state machine: an empty version of the key is committed after its
current one). By default it is an erasure: the key's bronze copies, its staging and every version
of archived/<key> and incoming/<key> go too. --keep-raw keeps those. A later upload of the key
is processed as usual. Output as etl run prints it.

Examples:
  $ etl retract incoming/sales-2024-03.csv
  $ etl retract sales-2024-03.csv --keep-raw --json`;

async function retract(key: string, opts: RetractOptions): Promise<number> {
  existingStateDir(opts.stateDir);
  const full = key.startsWith(INCOMING_PREFIX) ? key : `${INCOMING_PREFIX}${key}`;
  const problem = keyProblem(full);
  if (problem) throw new UsageError(`${JSON.stringify(key)} ${problem}`);
  const config = await loadConfig(opts.config);
  const { runtime, report, progress } = await openWriter("retract", opts, config);
  try {
    const [{ planRetract }, { getServices }] = await Promise.all([import("../../core/replay/planRetract.ts"), import("../../functions/services.ts")]);
    const planned = await planRetract(getServices(), full, { erase: !opts.keepRaw });
    progress?.line(`retracting ${full} (dataset ${planned.dataset}, the version of ${planned.of}) as ${planned.jobId}`);
    const result = await report(planned.event, await runtime.execute(planned.event));
    return result.status === "FAILED" ? 1 : 0;
  } finally {
    await runtime.stop();
  }
}

const command: CommandModule = {
  configure(cmd: Command, finish) {
    withWriterOptions(withCommonOptions(cmd))
      .description("Remove one source key's rows from silver and quarantine and recompute its gold (a withdrawal or an erasure).")
      .argument("<key>", "the raw key, incoming/… (the incoming/ prefix may be left out)")
      .option("--keep-raw", "keep the key's bronze and archived copies (default: an erasure removes them, every version)", false)
      .addHelpText("after", EXAMPLES)
      .action(async (key: string, opts: RetractOptions) => finish(await retract(key, opts)));
  },
};

export const { configure } = command;
