/** A mistake in how a command was called: printed as one line, exit code 2, nothing run. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A wrong etl.config.ts or --config: the message names the field; exit code 2, nothing run. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
