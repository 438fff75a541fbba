import { s3Client } from "../../core/io/clients.ts";
import { ObjectStore } from "../../core/io/objectStore.ts";
import { meterTransfers } from "../../core/io/transferMeter.ts";
import { provide } from "../services.ts";

/** The function reads or writes objects (S3). */
provide(
  "store",
  ({ env, shared }) =>
    new ObjectStore(
      shared("s3", () => {
        const s3 = s3Client(env);
        // Each step's S3 traffic is counted for its job's receipt (functions/defineStep.ts).
        meterTransfers(s3);
        return s3;
      }),
    ),
);
