import type { Permission, PolicyDocument } from "../../stacks/policies.ts";

/**
 * IAM's evaluation of Allow statements, independent of the code under test: a request is allowed
 * when one statement lists a matching action (case-insensitive) and a matching resource
 * (case-sensitive), where `*` matches any run of characters, `/` included, and `?` one
 * character. Nothing is allowed by default.
 */
export function isAllowed(permissions: readonly Permission[], action: string, resource: string): boolean {
  return permissions.some(
    (p) => p.actions.some((a) => wildcard(a, "i").test(action)) && p.resources.some((r) => wildcard(r, "").test(resource)),
  );
}

/** The same evaluation over a policy document, as IAM receives it. */
export function documentAllows(document: PolicyDocument, action: string, resource: string): boolean {
  return isAllowed(
    document.Statement.filter((s) => s.Effect === "Allow").map((s) => ({ actions: s.Action, resources: s.Resource })),
    action,
    resource,
  );
}

function wildcard(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, flags);
}
