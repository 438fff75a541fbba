/** A stage the CLI cannot reach as asked (not deployed, a name missing, no credentials): one line saying what to do, exit code 2. */
export class StageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "StageError";
  }
}
