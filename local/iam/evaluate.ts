/**
 * IAM's evaluation of identity-based policies, for what the pipeline's policies use and what a
 * reviewer would expect next to it: Allow and Deny statements, Action/NotAction, Resource/NotResource
 * with `*` and `?`, and the string, ARN, Bool and Null condition operators (with `IfExists`
 * and the `ForAnyValue:`/`ForAllValues:` set qualifiers). An explicit Deny wins over any Allow;
 * without an Allow the request is denied (AWS's "implicit deny").
 */

type OneOrMany<T> = T | T[];

/** A policy statement as IAM's JSON grammar writes it. */
export type Statement = {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: OneOrMany<string>;
  NotAction?: OneOrMany<string>;
  Resource?: OneOrMany<string>;
  NotResource?: OneOrMany<string>;
  /** operator → condition key → value(s) */
  Condition?: Record<string, Record<string, OneOrMany<string | boolean>>>;
};

/** An identity-based policy document. */
export type Policy = { Version?: string; Statement: OneOrMany<Statement> };

/** One authorization question: may the principal perform `action` on `resource`? */
export type AuthorizationRequest = {
  action: string;
  resource: string;
  /** Request context keys (`aws:SourceIp`, `s3:prefix`, …); an absent key is simply missing. */
  context?: Record<string, string | string[] | undefined>;
};

/** The outcome, with the statement that decided it when one did. */
export type Decision =
  | { effect: "Allow"; statement: Statement }
  | { effect: "ExplicitDeny"; statement: Statement }
  | { effect: "ImplicitDeny" };

const list = <T>(value: OneOrMany<T> | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's wildcards: `*` any run of characters (none included), `?` exactly one. */
function wildcard(pattern: string, flags = ""): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, `s${flags}`);
}

/** Actions compare case-insensitively: `s3:get*` matches `s3:GetObject`. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcard(pattern, "i").test(action);
}

/**
 * Resources compare case-sensitively, ARN segment by segment (a wildcard does not span the
 * colons of partition, service, region and account); the resource part after them may hold
 * further colons and slashes that wildcards do cross. `*` alone matches every resource.
 */
export function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === "*") return true;
  const p = arnSegments(pattern);
  const r = arnSegments(resource);
  // IAM refuses a policy whose resource is not an ARN of six segments: such a pattern matches nothing.
  if (!p) return !pattern.startsWith("arn:") && wildcard(pattern).test(resource);
  if (!r) return false;
  return p.every((segment, i) => wildcard(segment).test(r[i]));
}

function arnSegments(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

function statementApplies(s: Statement, request: AuthorizationRequest): boolean {
  const action = s.Action !== undefined
    ? list(s.Action).some((a) => actionMatches(a, request.action))
    : !list(s.NotAction).some((a) => actionMatches(a, request.action));
  if (!action) return false;
  const resource = s.Resource !== undefined
    ? list(s.Resource).some((r) => resourceMatches(r, request.resource))
    : s.NotResource !== undefined && !list(s.NotResource).some((r) => resourceMatches(r, request.resource));
  return resource && conditionsHold(s.Condition, request.context ?? {});
}

/** Evaluates a request against every policy attached to the principal. */
export function evaluate(policies: readonly Policy[], request: AuthorizationRequest): Decision {
  const statements = policies.flatMap((p) => list(p.Statement)).filter((s) => statementApplies(s, request));
  const deny = statements.find((s) => s.Effect === "Deny");
  if (deny) return { effect: "ExplicitDeny", statement: deny };
  const allow = statements.find((s) => s.Effect === "Allow");
  return allow ? { effect: "Allow", statement: allow } : { effect: "ImplicitDeny" };
}

type Compare = (actual: string, expected: string) => boolean;

/** The base operators; their `Not` forms are the negation and, as in IAM, hold when the key is missing. */
const OPERATORS: Record<string, { compare: Compare; negated?: boolean }> = {
  StringEquals: { compare: (a, e) => a === e },
  StringNotEquals: { compare: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase() },
  StringNotEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { compare: (a, e) => wildcard(e).test(a) },
  StringNotLike: { compare: (a, e) => wildcard(e).test(a), negated: true },
  ArnEquals: { compare: (a, e) => a === e },
  ArnNotEquals: { compare: (a, e) => a === e, negated: true },
  ArnLike: { compare: (a, e) => resourceMatches(e, a) },
  ArnNotLike: { compare: (a, e) => resourceMatches(e, a), negated: true },
  Bool: { compare: (a, e) => a.toLowerCase() === e.toLowerCase() },
};

function conditionsHold(
  condition: Statement["Condition"],
  context: NonNullable<AuthorizationRequest["context"]>,
): boolean {
  if (!condition) return true;
  // Keys are case-insensitive; values keep their case.
  const lookup = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v === undefined ? undefined : list(v)]));
  return Object.entries(condition).every(([operatorName, keys]) =>
    Object.entries(keys).every(([key, expectedValues]) =>
      conditionHolds(operatorName, lookup.get(key.toLowerCase()), list(expectedValues).map(String)),
    ),
  );
}

function conditionHolds(operatorName: string, actual: string[] | undefined, expected: string[]): boolean {
  const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operatorName)?.[1];
  const name = operatorName.replace(/^(ForAnyValue|ForAllValues):/, "");
  const ifExists = name.endsWith("IfExists");
  const base = ifExists ? name.slice(0, -"IfExists".length) : name;
  if (base === "Null") {
    const wantsMissing = expected.some((e) => e.toLowerCase() === "true");
    return wantsMissing === (actual === undefined || actual.length === 0);
  }
  const operator = OPERATORS[base];
  // An operator IAM knows and this evaluator does not must not grant anything by accident.
  if (!operator) throw new Error(`Unsupported IAM condition operator ${operatorName}`);
  if (actual === undefined || actual.length === 0) {
    if (qualifier === "ForAllValues") return true;
    return ifExists || Boolean(operator.negated);
  }
  const matchesOne = (value: string) => expected.some((e) => operator.compare(value, e));
  if (qualifier === "ForAllValues") return actual.every((value) => (operator.negated ? !matchesOne(value) : matchesOne(value)));
  const any = actual.some(matchesOne);
  return operator.negated ? !any : any;
}
