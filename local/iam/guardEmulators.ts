import type { Emulators } from "../emulators.ts";
import { LOCAL_NAMES } from "../localEnv.ts";
import type { Denial } from "./authorize.ts";
import { type Principals } from "./principals.ts";
import { startIamProxy } from "./proxy.ts";

/**
 * Puts the IAM check in front of the emulators that have no hook for it: one proxy before fauxqs
 * (SNS; SQS passes), one before dynalite and one before the local Glue catalog. S3 checks calls
 * itself, through the hooks of `s3Authorizer`. The endpoints returned are the proxies'; stopping
 * stops both layers.
 */
export async function guardEmulators(emulators: Emulators, principals: Principals, onDenied?: (d: Denial) => void): Promise<Emulators> {
  const options = { principals, region: LOCAL_NAMES.region, account: LOCAL_NAMES.account, onDenied };
  const aws = await startIamProxy(emulators.sns, options);
  const dynamodb = await startIamProxy(emulators.dynamodb, options);
  const glue = await startIamProxy(emulators.glue, options);
  return {
    s3: emulators.s3,
    sns: aws.url,
    sqs: emulators.sqs,
    dynamodb: dynamodb.url,
    glue: glue.url,
    stop: async () => {
      await Promise.all([aws.stop(), dynamodb.stop(), glue.stop()]);
      await emulators.stop();
    },
  };
}
