/** A mistake in how a command was called: printed with a hint, exit code 2, nothing run. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
