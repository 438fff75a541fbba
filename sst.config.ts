/// <reference path="./.sst/platform/config.d.ts" />

/** Stages whose data outlives `sst remove` and which refuse to be removed at all. */
const PRODUCTION_STAGES = ["production"];

export default $config({
  app(input) {
    const production = PRODUCTION_STAGES.includes(input.stage);
    return {
      name: "medallion-etl",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    // Stacks create their resources on import, which needs SST's globals: import them here only.
    const { rawBucket, lakeBucket } = await import("./stacks/storage.ts");
    const { jobsTable } = await import("./stacks/jobsTable.ts");
    const { outputsTable } = await import("./stacks/outputsTable.ts");
    const { alertsTopic } = await import("./stacks/alerts.ts");
    const { glueDatabase, athenaWorkgroup, athenaResults } = await import("./stacks/catalog.ts");
    const { quicksight } = await import("./stacks/quicksight.ts");
    const { pipeline } = await import("./stacks/pipeline.ts");
    const { backfill } = await import("./stacks/backfill.ts");
    await import("./stacks/uploadTrigger.ts");
    await import("./stacks/failureTrigger.ts");
    await import("./stacks/sweep.ts");
    await import("./stacks/alarms.ts");
    // `etl … --stage <stage>` reads these from .sst/outputs.json (cli/stage/stageOutputs.ts):
    // the stage they belong to, its region and every name the CLI addresses.
    return {
      stage: $app.stage,
      region: aws.getRegionOutput().region,
      rawBucket: rawBucket.name,
      lakeBucket: lakeBucket.name,
      jobsTable: jobsTable.name,
      outputsTable: outputsTable.name,
      alertsTopic: alertsTopic.arn,
      stateMachine: pipeline.arn,
      backfillStateMachine: backfill.arn,
      glueDatabase: glueDatabase.name,
      athenaWorkgroup: athenaWorkgroup.name,
      athenaResults: athenaResults.name,
      ...(quicksight ? { quicksightDataSource: quicksight.source.arn } : {}),
    };
  },
});
