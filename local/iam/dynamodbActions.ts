import type { AuthorizationRequest } from "./evaluate.ts";

type Body = Record<string, any>;

/** A table as IAM names it; DynamoDB also accepts the ARN itself as the table name. */
export function tableArn(region: string, account: string, table: string): string {
  return table.startsWith("arn:") ? table : `arn:aws:dynamodb:${region}:${account}:table/${table}`;
}

/** The operation a transaction item stands for. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
  Get: "dynamodb:GetItem",
};

/**
 * The IAM requests of one DynamoDB call (`X-Amz-Target: DynamoDB_20120810.<Op>`), as DynamoDB
 * authorizes them: the operation on the table, or on `…/index/<name>` for a Query or Scan of an
 * index; a batch on each table it names; a transaction item by item, each as its own operation.
 */
export function dynamodbRequests(target: string, body: Body | undefined, region: string, account: string): AuthorizationRequest[] | undefined {
  if (!body) return undefined;
  const op = target.split(".").pop() ?? "";
  const arn = (table: string) => tableArn(region, account, table);
  switch (op) {
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys(body.RequestItems ?? {}).map((t) => ({ action: `dynamodb:${op}`, resource: arn(t) }));
    case "TransactWriteItems":
    case "TransactGetItems":
      return (body.TransactItems ?? []).map((item: Body) => {
        const [kind, spec] = Object.entries(item)[0] ?? ["", {}];
        return { action: TRANSACT_ACTIONS[kind] ?? `dynamodb:${kind}`, resource: arn((spec as Body).TableName ?? "") };
      });
    case "ListTables":
      return [{ action: "dynamodb:ListTables", resource: `arn:aws:dynamodb:${region}:${account}:table/*` }];
  }
  const table = arn(body.TableName ?? "");
  const resource = (op === "Query" || op === "Scan") && body.IndexName ? `${table}/index/${body.IndexName}` : table;
  return [{ action: `dynamodb:${op}`, resource }];
}
