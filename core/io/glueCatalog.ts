import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetTableCommand,
  UpdateTableCommand,
  type GlueClient,
  type Table,
  type TableInput,
} from "@aws-sdk/client-glue";
import type { CatalogColumn, TableDefinition } from "../catalog/tables.ts";

const FORMATS = {
  parquet: {
    InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
  },
  json: {
    InputFormat: "org.apache.hadoop.mapred.TextInputFormat",
    OutputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    SerdeInfo: { SerializationLibrary: "org.openx.data.jsonserde.JsonSerDe" },
  },
} as const;

/** A table definition as Glue's TableInput: an external table over the lake, no crawler. */
export function tableInput(t: TableDefinition): TableInput {
  return {
    Name: t.name,
    Description: t.description,
    TableType: "EXTERNAL_TABLE",
    Parameters: { EXTERNAL: "TRUE", ...t.parameters },
    PartitionKeys: t.partitionKeys.map((c) => ({ Name: c.name, Type: c.type })),
    StorageDescriptor: {
      Columns: t.columns.map((c) => ({ Name: c.name, Type: c.type })),
      Location: t.location,
      ...FORMATS[t.format],
    },
  };
}

/** A stored Glue table back as a definition (what `etl query` and the column merge read). */
export function tableDefinition(t: Table): TableDefinition {
  const columns = (list: { Name?: string; Type?: string }[] | undefined): CatalogColumn[] =>
    (list ?? []).map((c) => ({ name: c.Name ?? "", type: c.Type ?? "string" }));
  const { EXTERNAL: _external, ...parameters } = t.Parameters ?? {};
  return {
    name: t.Name ?? "",
    description: t.Description ?? "",
    location: t.StorageDescriptor?.Location ?? "",
    format: t.StorageDescriptor?.SerdeInfo?.SerializationLibrary === FORMATS.json.SerdeInfo.SerializationLibrary ? "json" : "parquet",
    columns: columns(t.StorageDescriptor?.Columns),
    partitionKeys: columns(t.PartitionKeys),
    parameters,
  };
}

const isNotFound = (e: unknown) => (e as Error).name === "EntityNotFoundException";
const isAlreadyExists = (e: unknown) => (e as Error).name === "AlreadyExistsException";

/**
 * The Glue Data Catalog as the pipeline uses it: it owns its tables and creates or updates them
 * when their definition changes (a new dataset, model or schema version). Only the database
 * comes from the deployment.
 */
export class GlueCatalog {
  private readonly glue: GlueClient;
  readonly database: string;

  constructor(glue: GlueClient, database: string) {
    this.glue = glue;
    this.database = database;
  }

  /** A table, or undefined when it does not exist yet. */
  async get(name: string): Promise<TableDefinition | undefined> {
    try {
      const out = await this.glue.send(new GetTableCommand({ DatabaseName: this.database, Name: name }));
      return out.Table ? tableDefinition(out.Table) : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates the database (the local world's setup; on AWS the deployment does it). */
  async createDatabase(): Promise<void> {
    try {
      await this.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: this.database } }));
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  /**
   * Makes each table equal its definition: created when missing, updated when its stored
   * definition hash differs, left alone otherwise. Returns the names it created or updated.
   * Two jobs creating the same table at once: the loser finds it and updates it if needed.
   */
  async ensure(definitions: readonly TableDefinition[]): Promise<string[]> {
    const changed: string[] = [];
    for (const t of definitions) {
      const current = await this.get(t.name);
      if (current?.parameters["etl.definition"] === t.parameters["etl.definition"]) continue;
      const input = { DatabaseName: this.database, TableInput: tableInput(t) };
      if (!current) {
        try {
          await this.glue.send(new CreateTableCommand(input));
          changed.push(t.name);
          continue;
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
      }
      await this.glue.send(new UpdateTableCommand(input));
      changed.push(t.name);
    }
    return changed;
  }
}
