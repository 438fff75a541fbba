import type { Emulators } from "../emulators.ts";
import { LOCAL_NAMES } from "../localEnv.ts";
import type { Denial } from "./authorize.ts";
import { type Principals } from "./principals.ts";
import { startIamProxy } from "./proxy.ts";

/**
 * Puts the IAM check in front of the emulators: one proxy before the S3 store, one before fauxqs
 * (SNS; SQS passes) and one before dynalite. The endpoints returned are the proxies'; stopping stops both layers.
 */
export async function guardEmulators(emulators: Emulators, principals: Principals, onDenied?: (d: Denial) => void): Promise<Emulators> {
  const options = { principals, region: LOCAL_NAMES.region, account: LOCAL_NAMES.account, onDenied };
  const s3 = await startIamProxy(emulators.s3, options);
  const sns = await startIamProxy(emulators.sns, options);
  const dynamodb = await startIamProxy(emulators.dynamodb, options);
  return {
    s3: s3.url,
    sns: sns.url,
    sqs: emulators.sqs,
    dynamodb: dynamodb.url,
    stop: async () => {
      await Promise.all([s3.stop(), sns.stop(), dynamodb.stop()]);
      await emulators.stop();
    },
  };
}
