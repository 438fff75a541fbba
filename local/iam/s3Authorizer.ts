import type { S3Call } from "../s3/call.ts";
import { firstDenial, type Denial } from "./authorize.ts";
import type { Principals } from "./principals.ts";
import { listRequest, s3Requests } from "./s3Actions.ts";

/** The S3 server's hooks for IAM: `authorize` before a call, `missingKeyDenial` before a 404. */
export type S3Authorizer = {
  /** An AccessDenied message refusing the call, or undefined to allow it (S3Hooks.authorize). */
  authorize: (call: S3Call) => string | undefined;
  /**
   * For a GetObject/HeadObject of a key that does not exist: S3 answers 404 only to a caller
   * allowed s3:ListBucket on the bucket, 403 AccessDenied to anyone else (so a caller cannot
   * probe for key names). Returns the AccessDenied message to answer instead of 404, if any.
   */
  missingKeyDenial: (call: S3Call) => string | undefined;
};

/** Builds the hooks over the callers' policies; each refusal is also reported to `onDenied`. */
export function s3Authorizer(principals: Principals, onDenied?: (denial: Denial) => void): S3Authorizer {
  const check = (call: S3Call, requests: ReturnType<typeof s3Requests>) => {
    const caller = principals(call.accessKeyId);
    if (!caller) return undefined;
    const denial = firstDenial(caller, requests, true);
    if (denial) onDenied?.(denial);
    return denial?.message;
  };
  return {
    authorize: (call) => check(call, s3Requests(call)),
    missingKeyDenial: (call) => check(call, [listRequest(call.bucket)]),
  };
}
