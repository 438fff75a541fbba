import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobsTable, quarantineTable } from "../../core/catalog/tables.ts";
import { GlueCatalog, tableInput } from "../../core/io/glueCatalog.ts";
import { startGlue, type GlueServer } from "../../local/glue/glueServer.ts";

let dir: string;
let server: GlueServer;
let glue: GlueClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "glue-"));
  server = await startGlue(dir);
  glue = new GlueClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
});

afterAll(async () => {
  glue.destroy();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local Glue stand-in, through @aws-sdk/client-glue", () => {
  it("creates, reads and lists tables, persisted as JSON files", async () => {
    const catalog = new GlueCatalog(glue, "etl");
    await catalog.createDatabase();
    await catalog.createDatabase();

    expect(await catalog.get("jobs")).toBeUndefined();
    expect(await catalog.ensure([jobsTable("lake"), quarantineTable("lake", "sales")])).toEqual(["jobs", "quarantine_sales"]);

    expect(await catalog.get("jobs")).toEqual(jobsTable("lake"));
    expect((await catalog.get("quarantine_sales"))?.name).toBe("quarantine_sales");
    const stored = JSON.parse(readFileSync(join(dir, "etl", "jobs.json"), "utf8"));
    expect(stored).toMatchObject({ Name: "jobs", DatabaseName: "etl", TableType: "EXTERNAL_TABLE" });
    expect(stored.Parameters["projection.month.digits"]).toBe("2");
  });

  it("writes a table again only when its definition changed", async () => {
    const catalog = new GlueCatalog(glue, "etl");
    const before = JSON.parse(readFileSync(join(dir, "etl", "jobs.json"), "utf8"));

    expect(await catalog.ensure([jobsTable("lake")])).toEqual([]);
    expect(await catalog.ensure([jobsTable("other-lake")])).toEqual(["jobs"]);

    const after = JSON.parse(readFileSync(join(dir, "etl", "jobs.json"), "utf8"));
    expect(after.CreateTime).toBe(before.CreateTime);
    expect(after.StorageDescriptor.Location).toBe("s3://other-lake/job_history/");
  });

  it("answers Glue's errors: not found, already exists, invalid names", async () => {
    const input = tableInput(jobsTable("lake"));

    await expect(glue.send(new GetTableCommand({ DatabaseName: "etl", Name: "nope" }))).rejects.toMatchObject({ name: "EntityNotFoundException" });
    await expect(glue.send(new GetTableCommand({ DatabaseName: "nodb", Name: "jobs" }))).rejects.toMatchObject({ name: "EntityNotFoundException" });
    await expect(glue.send(new CreateTableCommand({ DatabaseName: "etl", TableInput: input }))).rejects.toMatchObject({ name: "AlreadyExistsException" });
    await expect(
      glue.send(new CreateTableCommand({ DatabaseName: "etl", TableInput: { ...input, Name: "../../escape" } })),
    ).rejects.toMatchObject({ name: "InvalidInputException" });
    await expect(glue.send(new GetTableCommand({ DatabaseName: "..", Name: "jobs" }))).rejects.toMatchObject({ name: "InvalidInputException" });
  });
});
