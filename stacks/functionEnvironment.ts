import type * as v from "valibot";
import type { SettingsSchema } from "../core/settings.ts";

type SettingsInput = v.InferInput<typeof SettingsSchema>;
/** The settings without a default: a function cannot start without them. */
type RequiredSetting = { [K in keyof SettingsInput]-?: undefined extends SettingsInput[K] ? never : K }[keyof SettingsInput];

/** The resources every function addresses, by name or ARN. */
export type FunctionResources<T> = { rawBucket: T; lakeBucket: T; jobsTable: T; outputsTable: T; alertsTopicArn: T; glueDatabase: T; stage: T };

/**
 * The environment `core/settings.ts` reads. Typed against its schema, so a setting renamed or
 * added there fails the infra type-check instead of the first invocation on AWS. The stage is
 * optional for the handlers (a local run has none) but always set here, so an alert from AWS
 * gives commands for that stage.
 */
export function functionEnvironment<T>(resources: FunctionResources<T>): Record<RequiredSetting | "ETL_STAGE", T> {
  return {
    ETL_RAW_BUCKET: resources.rawBucket,
    ETL_LAKE_BUCKET: resources.lakeBucket,
    ETL_JOBS_TABLE: resources.jobsTable,
    ETL_OUTPUTS_TABLE: resources.outputsTable,
    ETL_ALERTS_TOPIC_ARN: resources.alertsTopicArn,
    ETL_GLUE_DATABASE: resources.glueDatabase,
    ETL_STAGE: resources.stage,
  };
}
