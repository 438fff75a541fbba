import { AsyncLocalStorage } from "node:async_hooks";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { Step } from "../core/steps.ts";

/** The step (and execution) a handler call runs for: the runtime enters it around each task. */
export const stepScope = new AsyncLocalStorage<{ step: Step; execution: string }>();

/** The object writes S3 counts as writes (the S3 server's `onWrite` hook reports the same set). */
const WRITES = [PutObjectCommand, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, CompleteMultipartUploadCommand];

let listener: ((step: Step, execution: string) => void) | undefined;
let installed = false;

/**
 * Reports each successful object write a step makes, with its step and execution, for
 * `ETL_FAULT=kill:<step>:<n>`. Interim: it wraps `S3Client#send` in this process (only when such
 * a fault is set), until the local S3 server's `onWrite` hook can report writes by the caller's
 * access key (`etl-<function>`); the scope of a write is found through `stepScope`.
 */
export function observeStepWrites(onWrite: (step: Step, execution: string) => void): void {
  listener = onWrite;
  if (installed) return;
  installed = true;
  const send = S3Client.prototype.send as (this: S3Client, command: unknown, ...rest: unknown[]) => Promise<unknown>;
  S3Client.prototype.send = async function (this: S3Client, command: unknown, ...rest: unknown[]) {
    const out = await send.call(this, command, ...rest);
    const scope = stepScope.getStore();
    if (scope && WRITES.some((W) => command instanceof W)) listener?.(scope.step, scope.execution);
    return out;
  } as S3Client["send"];
}
