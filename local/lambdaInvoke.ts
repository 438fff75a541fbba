/**
 * Calls a handler the way the state machine calls a Lambda task: the input goes through JSON
 * (as it would over the wire), and a thrown error reaches Retry/Catch as AWS hands it over:
 * `Error` is the error's name and `Cause` the JSON document Lambda writes
 * (`errorType`, `errorMessage`, `trace`). Same shape here and on AWS, so parsing bugs show locally.
 */
export function asLambdaTask(handler: (event: unknown) => Promise<unknown>): (input: unknown) => Promise<unknown> {
  return async (input) => {
    try {
      const result = await handler(JSON.parse(JSON.stringify(input)));
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const failure = new Error(
        JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: (e.stack ?? "").split("\n") }),
      );
      failure.name = e.name;
      throw failure;
    }
  };
}
