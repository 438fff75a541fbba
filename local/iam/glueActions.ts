import type { AuthorizationRequest } from "./evaluate.ts";

type Body = Record<string, any>;

/**
 * The IAM requests of one Glue call (`X-Amz-Target: AWSGlue.<Op>`), as Glue authorizes them: a
 * table call on the catalog, its database and the table (`GetTables` on every table of the
 * database); a database call on the catalog and the database. All of them must be allowed.
 */
export function glueRequests(target: string, body: Body | undefined, region: string, account: string): AuthorizationRequest[] | undefined {
  if (!body || !target.startsWith("AWSGlue.")) return undefined;
  const op = target.slice("AWSGlue.".length);
  const base = `arn:aws:glue:${region}:${body.CatalogId ?? account}`;
  const database = String(body.DatabaseName ?? body.DatabaseInput?.Name ?? body.Name ?? "");
  const on = (...resources: string[]) => resources.map((resource) => ({ action: `glue:${op}`, resource }));
  switch (op) {
    case "CreateDatabase":
    case "GetDatabase":
    case "UpdateDatabase":
    case "DeleteDatabase":
      return on(`${base}:catalog`, `${base}:database/${database}`);
    case "GetTables":
      return on(`${base}:catalog`, `${base}:database/${database}`, `${base}:table/${database}/*`);
    default: {
      const table = String(body.TableInput?.Name ?? body.Name ?? "");
      return on(`${base}:catalog`, `${base}:database/${database}`, `${base}:table/${database}/${table}`);
    }
  }
}
