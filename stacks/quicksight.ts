import etlConfig from "../etl.config.ts";
import { quicksightColumns } from "../core/catalog/quicksightColumns.ts";
import { goldTable, jobsTable } from "../core/catalog/tables.ts";
import { quicksightDataSetId } from "../core/catalog/spiceRefresh.ts";
import { athenaWorkgroup, glueDatabase } from "./catalog.ts";
import { lakeBucket } from "./storage.ts";

/** What the owner may do with the data source and datasets: everything QuickSight's console grants an owner. */
const DATA_SOURCE_ACTIONS = [
  "quicksight:DescribeDataSource",
  "quicksight:DescribeDataSourcePermissions",
  "quicksight:PassDataSource",
  "quicksight:UpdateDataSource",
  "quicksight:DeleteDataSource",
  "quicksight:UpdateDataSourcePermissions",
];
const DATA_SET_ACTIONS = [
  "quicksight:DescribeDataSet",
  "quicksight:DescribeDataSetPermissions",
  "quicksight:PassDataSet",
  "quicksight:DescribeIngestion",
  "quicksight:ListIngestions",
  "quicksight:UpdateDataSet",
  "quicksight:DeleteDataSet",
  "quicksight:CreateIngestion",
  "quicksight:CancelIngestion",
  "quicksight:UpdateDataSetPermissions",
];

/**
 * QuickSight reads gold through Athena (it cannot read Parquet from S3): one Athena data source on
 * the pipeline's workgroup, and one dataset per gold model and for the job history, typed from the
 * same table definitions the pipeline writes to Glue. Only with `quicksight` in etl.config.ts.
 */
export const quicksight = etlConfig.quicksight
  ? (() => {
      const { principalArn, mode } = etlConfig.quicksight;
      const source = new aws.quicksight.DataSource("QuickSightAthena", {
        dataSourceId: `${$app.name}-${$app.stage}-athena`,
        name: `${$app.name} ${$app.stage} (Athena)`,
        type: "ATHENA",
        parameters: { athena: { workGroup: athenaWorkgroup.name } },
        permissions: [{ principal: principalArn, actions: DATA_SOURCE_ACTIONS }],
      });
      const tables = lakeBucket.name.apply((bucket) => [
        ...etlConfig.gold.flatMap((m) => {
          const dataset = etlConfig.datasets.find((d) => d.name === m.dataset);
          return dataset ? [goldTable(bucket, m, dataset)] : [];
        }),
        jobsTable(bucket),
      ]);
      // Table names and columns depend only on the config, so the datasets are known at plan time.
      const names = [...etlConfig.gold.map((m) => `gold_${m.name}`), "jobs"];
      const dataSets = names.map(
        (name, i) =>
          new aws.quicksight.DataSet(`QuickSight${name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}`, {
            dataSetId: quicksightDataSetId(`${$app.name}-${$app.stage}`, name),
            name: `${name} (${$app.stage})`,
            importMode: mode === "spice" ? "SPICE" : "DIRECT_QUERY",
            physicalTableMaps: [
              {
                physicalTableMapId: name,
                relationalTable: {
                  dataSourceArn: source.arn,
                  catalog: "AwsDataCatalog",
                  schema: glueDatabase.name,
                  name,
                  inputColumns: tables.apply((t) => quicksightColumns([...t[i].columns, ...t[i].partitionKeys])),
                },
              },
            ],
            permissions: [{ principal: principalArn, actions: DATA_SET_ACTIONS }],
          }),
      );
      return { source, dataSets };
    })()
  : undefined;
