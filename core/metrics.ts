import { Console } from "node:console";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/** The CloudWatch namespace of the pipeline's metrics. */
export const METRICS_NAMESPACE = "etl";

/** What a step reports, by metric name: a duration in ms or a row count. */
export type StepMetrics = Partial<Record<"StepDuration" | "RowsIn" | "SilverRows" | "QuarantinedRows" | "DuplicateRows" | "GoldRows", number>>;

/**
 * Publishes one step's metrics as CloudWatch embedded metric format (EMF) through Powertools for
 * AWS Lambda: in Lambda one JSON line on stdout that CloudWatch turns into metrics, dimensioned by
 * step and dataset. Locally the lines go to stderr with the logs, and only at info level or below
 * (`etl run --verbose`), so a quiet run stays quiet.
 */
export function publishStepMetrics(step: string, dataset: string | undefined, values: StepMetrics): void {
  const inLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
  const level = (process.env.ETL_LOG_LEVEL || "info").toLowerCase();
  if (!inLambda && level !== "info" && level !== "debug") return;
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "etl" });
  // Powertools offers no option for the stream; its console is the one seam it has.
  if (!inLambda) (metrics as unknown as { console: Console }).console = new Console({ stdout: process.stderr, stderr: process.stderr });
  metrics.addDimension("step", step);
  if (dataset) metrics.addDimension("dataset", dataset);
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) metrics.addMetric(name, name === "StepDuration" ? MetricUnit.Milliseconds : MetricUnit.Count, value);
  }
  metrics.publishStoredMetrics();
}
