import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { deployedBundle } from "../../bench/coldStart.ts";
import { FUNCTION_NAMES } from "../../stacks/handlers.ts";
import { functionPermissions } from "../../stacks/policies.ts";
import { localResourceArns } from "../../local/iam/principals.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// In SPICE mode load may refresh QuickSight datasets: a bundle carries what its function may call in any mode.
const arns = { ...localResourceArns(), quicksightDataSetsArn: "arn:aws:quicksight:us-east-1:000000000000:dataset/etl-local-*" };
const permissions = functionPermissions(arns);

/** The project modules and npm packages a function's deployed bundle holds (esbuild as SST runs it). */
async function bundled(name: (typeof FUNCTION_NAMES)[number]) {
  const result = await build({ ...deployedBundle(ROOT, name), metafile: true, write: false, outfile: "out.mjs", logLevel: "silent" });
  const inputs = Object.keys(Object.values(result.metafile.outputs)[0].inputs);
  const stores = new Set(inputs.flatMap((i) => i.match(/functions\/uses\/(\w+)\.ts$/)?.[1] ?? []));
  const clients = new Set(inputs.flatMap((i) => i.match(/node_modules\/@aws-sdk\/(client-\w+)\//)?.[1] ?? []));
  return { stores, clients };
}

/** The stores a function's IAM policy lets it use: the single source of what each function calls. */
function grantedStores(name: (typeof FUNCTION_NAMES)[number]): Set<string> {
  const grants = permissions[name];
  const on = (service: string, resource?: string) =>
    grants.some((g) => g.actions.some((a) => a.startsWith(`${service}:`)) && (!resource || g.resources.some((r) => r === resource || r.startsWith(`${resource}/`))));
  return new Set(
    [
      on("s3") && "store",
      on("dynamodb", arns.jobsTableArn) && "jobs",
      on("dynamodb", arns.outputsTableArn) && "outputs",
      on("sns") && "alerts",
      on("glue") && "catalog",
      on("quicksight") && "quicksight",
    ].filter((s): s is string => Boolean(s)),
  );
}

const CLIENT_OF: Record<string, string> = { store: "client-s3", jobs: "client-dynamodb", outputs: "client-dynamodb", alerts: "client-sns", catalog: "client-glue", quicksight: "client-quicksight" };

describe("per-function bundles", () => {
  it.each(FUNCTION_NAMES)(
    "%s provides exactly the stores its policy grants, and carries only their SDK clients",
    async (name) => {
      const { stores, clients } = await bundled(name);
      const granted = grantedStores(name);
      expect(stores).toEqual(granted);
      expect(clients).toEqual(new Set([...granted].map((s) => CLIENT_OF[s])));
    },
    60_000,
  );

  it("leaves out what a step does not call: sweep has no S3, only load has Glue, only the reporting steps SNS", async () => {
    expect((await bundled("sweep")).clients).toEqual(new Set(["client-dynamodb", "client-sns", "client-quicksight"]));
    expect((await bundled("extract")).clients).toEqual(new Set(["client-s3", "client-dynamodb"]));
  }, 60_000);
});
