import { evaluate, type AuthorizationRequest } from "./evaluate.ts";
import type { Caller } from "./principals.ts";

/** A refused request: what was asked, by whom, and the message AWS would answer. */
export type Denial = { principal: string; action: string; resource: string; message: string };

/**
 * The first request of a call the caller may not make, or undefined when all are allowed (a
 * call such as CopyObject needs several). The message is worded as AWS words it, naming the
 * action and the resource; S3 quotes the resource.
 */
export function firstDenial(caller: Caller, requests: readonly AuthorizationRequest[], quoteResource = false): Denial | undefined {
  for (const request of requests) {
    const decision = evaluate(caller.policies, request);
    if (decision.effect === "Allow") continue;
    const why = decision.effect === "ExplicitDeny"
      ? "with an explicit deny in an identity-based policy"
      : `because no identity-based policy allows the ${request.action} action`;
    const resource = quoteResource ? `"${request.resource}"` : request.resource;
    return {
      principal: caller.principal,
      action: request.action,
      resource: request.resource,
      message: `User: ${caller.principal} is not authorized to perform: ${request.action} on resource: ${resource} ${why}`,
    };
  }
  return undefined;
}
