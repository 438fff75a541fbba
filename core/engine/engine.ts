import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { quoteLiteral } from "./sql.ts";

/** A parameter value bound to a statement. */
export type SqlValue = DuckDBValue;

/**
 * Engine limits, sized from the function's memory by `engineLimits`: threads (every core when
 * absent) and DuckDB's `memory_limit` (DuckDB's default, 80% of RAM, when absent). Past the
 * limit DuckDB spills to `scratchDir`, which on Lambda is the function's ephemeral storage.
 */
export type EngineOptions = { scratchDir: string; threads?: number; memoryLimitMb?: number };

/**
 * One DuckDB database per job step, in memory, spilling to `scratchDir`.
 *
 * A fresh instance per invocation keeps concurrent local executions apart and leaves nothing
 * behind in a warm Lambda container. Extensions never autoload: Lambda has no network, and the
 * ones the pipeline needs (parquet, json, icu) are built in.
 */
export class Engine {
  private readonly instance: DuckDBInstance;
  private readonly connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.instance = instance;
    this.connection = connection;
  }

  /** Opens an engine whose home, temp and spill files all live under `scratchDir`. */
  static async open(options: EngineOptions): Promise<Engine> {
    const spill = join(options.scratchDir, "duckdb");
    mkdirSync(spill, { recursive: true });
    const instance = await DuckDBInstance.create(":memory:", {
      threads: String(options.threads ?? availableParallelism()),
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      home_directory: options.scratchDir,
      temp_directory: spill,
      ...(options.memoryLimitMb ? { memory_limit: `${options.memoryLimitMb}MB` } : {}),
    });
    const connection = await instance.connect();
    const engine = new Engine(instance, connection);
    // Instants are stored in UTC; naive timestamps in files are read as UTC.
    await engine.run(`SET TimeZone = ${quoteLiteral("UTC")}`);
    // Row order inside a file carries no meaning; dropping it lets DuckDB stream in parallel.
    await engine.run("SET preserve_insertion_order = false");
    return engine;
  }

  /** Runs a statement whose values are all parameters. */
  async run(sql: string, params: SqlValue[] = []): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Runs a query and returns its rows as plain objects (BIGINT as bigint). */
  async rows<T = Record<string, unknown>>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** Frees the database; spill files go with it. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
