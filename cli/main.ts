import { UsageError } from "./usageError.ts";

/** A CLI command: loaded only when called. */
export type Command = {
  description: string;
  usage: string;
  run: (args: string[]) => Promise<number>;
};

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  run: () => import("./commands/run.ts"),
  query: () => import("./commands/query.ts"),
  dashboard: () => import("./commands/dashboard.ts"),
  rebuild: () => import("./commands/rebuild.ts"),
};

async function help(): Promise<string> {
  const lines = ["Usage: etl <command> [options]", "", "Commands:"];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${(await load()).default.description}`);
  lines.push("", "Run `etl <command> --help` for a command's options.");
  return lines.join("\n");
}

/** Runs the CLI; returns the exit code: 0 success, 1 a job failed, 2 a usage error. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h") {
    process.stdout.write(`${await help()}\n`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`etl: unknown command "${name}"\n\n${await help()}\n`);
    return 2;
  }
  const command = (await load()).default;
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`etl ${name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    throw error;
  }
}
