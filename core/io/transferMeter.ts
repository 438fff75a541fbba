import { AsyncLocalStorage } from "node:async_hooks";
import type { S3Client } from "@aws-sdk/client-s3";

/** What one step moved through S3 itself: bytes downloaded, bytes uploaded, and the data files (Parquet) it uploaded. */
export type Transfers = { bytesRead: number; bytesWritten: number; filesWritten: number; fileBytesWritten: number };

/** The counters of the step running in this async context (concurrent executions each have their own). */
const current = new AsyncLocalStorage<Transfers>();

/** Counters at zero. */
export function noTransfers(): Transfers {
  return { bytesRead: 0, bytesWritten: 0, filesWritten: 0, fileBytesWritten: 0 };
}

/** Runs a step's work counting what it moves into `transfers` (still filled when the work throws). */
export function metered<R>(transfers: Transfers, work: () => Promise<R>): Promise<R> {
  return current.run(transfers, work);
}

const isDataFile = (key: unknown) => typeof key === "string" && key.endsWith(".parquet");

/**
 * Counts, for the step in whose context a call runs, the bytes of every GetObject answer and of
 * every PutObject or UploadPart body, and each Parquet object completed. Server-side copies
 * (CopyObject) move no bytes through the function and are not counted.
 */
export function meterTransfers(s3: S3Client): void {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const t = current.getStore();
      if (!t) return out;
      const input = args.input as { Key?: string; ContentLength?: number; Body?: unknown };
      // A small document is sent as a string without a declared length.
      const sent = input.ContentLength ?? (typeof input.Body === "string" ? Buffer.byteLength(input.Body) : 0);
      const output = out.output as { ContentLength?: number };
      switch (context.commandName) {
        case "GetObjectCommand":
          t.bytesRead += output.ContentLength ?? 0;
          break;
        case "PutObjectCommand":
          t.bytesWritten += sent;
          if (isDataFile(input.Key)) {
            t.filesWritten += 1;
            t.fileBytesWritten += sent;
          }
          break;
        case "UploadPartCommand":
          t.bytesWritten += sent;
          if (isDataFile(input.Key)) t.fileBytesWritten += sent;
          break;
        case "CompleteMultipartUploadCommand":
          if (isDataFile(input.Key)) t.filesWritten += 1;
          break;
      }
      return out;
    },
    { step: "initialize", name: "etlTransferMeter" },
  );
}
