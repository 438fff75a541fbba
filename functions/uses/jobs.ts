import { dynamoClient } from "../../core/io/clients.ts";
import { JobTable } from "../../core/io/jobTable.ts";
import { FAILED_JOB_TTL_DAYS } from "../../core/job/retention.ts";
import { provide } from "../services.ts";

/** The function records jobs (DynamoDB). */
provide(
  "jobs",
  ({ env, settings, shared }) =>
    new JobTable(shared("dynamodb", () => dynamoClient(env)), settings.ETL_JOBS_TABLE, { finalDays: settings.ETL_JOB_TTL_DAYS, failedDays: FAILED_JOB_TTL_DAYS }),
);
