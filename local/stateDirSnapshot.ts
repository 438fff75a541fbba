import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand, ScanCommand, type QueryCommandInput, type ScanCommandInput } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { LOCAL_NAMES } from "./localEnv.ts";

/**
 * Reads a state dir's DynamoDB tables without its writer lock, for read-only commands. A writer
 * keeps dynalite's LevelDB open (and LevelDB allows one process), so the reader copies it and
 * serves the copy from a dynalite of its own: it never waits for, blocks or changes a writer,
 * and sees what the writer had written when it looked. A copy torn by a compaction running at
 * that moment (a file gone mid-copy) is taken again.
 */
export async function withTableSnapshot<T>(stateDir: string, read: (db: DynamoDBDocumentClient) => Promise<T>): Promise<T | undefined> {
  const source = join(stateDir, "emulators", "dynamodb");
  if (!existsSync(source)) return undefined;
  const copy = mkdtempSync(join(tmpdir(), "etl-snapshot-"));
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        rmSync(join(copy, "db"), { recursive: true, force: true });
        cpSync(source, join(copy, "db"), { recursive: true, filter: (path) => basename(path) !== "LOCK" });
        break;
      } catch (error) {
        if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    const server = dynalite({ path: join(copy, "db") });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: LOCAL_NAMES.region,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      }),
    );
    try {
      return await read(db);
    } finally {
      db.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** What `readAll` reads: a Scan, or a Query when there is a key condition. */
export type ReadInput = Omit<ScanCommandInput, "ExclusiveStartKey"> | Omit<QueryCommandInput, "ExclusiveStartKey">;

/** Every item a Scan or a Query returns, page by page. */
export async function readAll(db: DynamoDBDocumentClient, input: ReadInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      "KeyConditionExpression" in input && input.KeyConditionExpression
        ? new QueryCommand({ ...(input as QueryCommandInput), ExclusiveStartKey: start })
        : new ScanCommand({ ...(input as ScanCommandInput), ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
