import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One call the fake received: its operation (from X-Amz-Target) and its JSON input. */
export type SfnCall = { operation: string; input: Record<string, unknown> };

/**
 * A Step Functions endpoint speaking the service's wire protocol (awsJson1_0) for the calls the
 * `--stage` commands make, RedriveExecution and StartExecution: the real SDK client sends to it,
 * so the test sees exactly what AWS would receive. An execution ARN listed in `notRedrivable` is
 * answered as AWS answers an execution it will not redrive. StartExecution keeps AWS's name rule
 * for open executions: the same name and input returns the same execution, the same name with
 * another input is ExecutionAlreadyExists.
 */
export async function startSfnServer(notRedrivable: string[] = []) {
  const calls: SfnCall[] = [];
  const started = new Map<string, string>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const operation = String(req.headers["x-amz-target"] ?? "").replace(/^AWSStepFunctions\./, "");
      const input = JSON.parse(body || "{}") as Record<string, unknown>;
      calls.push({ operation, input });
      res.setHeader("content-type", "application/x-amz-json-1.0");
      if (operation === "StartExecution") {
        const arn = `${String(input.stateMachineArn).replace(":stateMachine:", ":execution:")}:${String(input.name)}`;
        const held = started.get(arn);
        if (held !== undefined && held !== input.input) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: "com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists", message: `Execution Already Exists: '${arn}'` }));
          return;
        }
        started.set(arn, String(input.input));
        res.end(JSON.stringify({ executionArn: arn, startDate: Date.UTC(2026, 0, 2, 3, 4, 5) / 1000 }));
      } else if (operation !== "RedriveExecution") {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: "UnknownOperationException", message: operation }));
      } else if (notRedrivable.includes(String(input.executionArn))) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: "com.amazonaws.swf.service.v2.model#ExecutionNotRedrivable", message: "Execution is RUNNING" }));
      } else {
        res.end(JSON.stringify({ redriveDate: Date.UTC(2026, 0, 2, 3, 4, 5) / 1000 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
