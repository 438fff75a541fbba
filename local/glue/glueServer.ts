import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** Glue names the catalog accepts here: lower case (Glue lowercases them), so they are safe file names too. */
const NAME = /^[a-z0-9_]{1,255}$/;

class GlueError extends Error {
  readonly type: string;

  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

type Body = Record<string, any>;

/** The catalog on disk: `<dir>/<database>/<table>.json`, each the table as GetTable returns it. */
class Store {
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  private name(value: unknown, what: string): string {
    if (typeof value !== "string" || !NAME.test(value)) throw new GlueError("InvalidInputException", `${what} must match ${NAME.source}`);
    return value;
  }

  database(name: unknown): string {
    const db = this.name(name, "DatabaseName");
    if (!existsSync(join(this.dir, db))) throw new GlueError("EntityNotFoundException", `Database ${db} not found.`);
    return db;
  }

  createDatabase(input: Body): void {
    const db = this.name(input?.Name, "DatabaseInput.Name");
    if (existsSync(join(this.dir, db))) throw new GlueError("AlreadyExistsException", `Database ${db} already exists.`);
    mkdirSync(join(this.dir, db));
  }

  tablePath(db: string, name: unknown): string {
    return join(this.dir, db, `${this.name(name, "Name")}.json`);
  }

  read(path: string): Body | undefined {
    return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined;
  }

  /** Temp file and rename: a reader sees the old table or the new one. */
  write(path: string, table: Body): void {
    writeFileSync(`${path}.tmp`, JSON.stringify(table, null, 2));
    renameSync(`${path}.tmp`, path);
  }

  tables(db: string): Body[] {
    return readdirSync(join(this.dir, db))
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.dir, db, f), "utf8")));
  }
}

/** One Glue operation: the request body in, the response body out. */
function operations(store: Store): Record<string, (body: Body) => Body> {
  const now = () => Date.now() / 1000;
  return {
    CreateDatabase: (body) => (store.createDatabase(body.DatabaseInput), {}),
    GetDatabase: (body) => ({ Database: { Name: store.database(body.Name) } }),
    CreateTable: (body) => {
      const db = store.database(body.DatabaseName);
      const path = store.tablePath(db, body.TableInput?.Name);
      if (store.read(path)) throw new GlueError("AlreadyExistsException", `Table ${body.TableInput.Name} already exists.`);
      store.write(path, { ...body.TableInput, DatabaseName: db, CreateTime: now(), UpdateTime: now() });
      return {};
    },
    UpdateTable: (body) => {
      const db = store.database(body.DatabaseName);
      const path = store.tablePath(db, body.TableInput?.Name);
      const current = store.read(path);
      if (!current) throw new GlueError("EntityNotFoundException", `Table ${body.TableInput.Name} not found.`);
      store.write(path, { ...body.TableInput, DatabaseName: db, CreateTime: current.CreateTime, UpdateTime: now() });
      return {};
    },
    GetTable: (body) => {
      const db = store.database(body.DatabaseName);
      const table = store.read(store.tablePath(db, body.Name));
      if (!table) throw new GlueError("EntityNotFoundException", `Table ${body.Name} not found.`);
      return { Table: table };
    },
    GetTables: (body) => ({ TableList: store.tables(store.database(body.DatabaseName)) }),
  };
}

/** A running Glue stand-in. */
export type GlueServer = { url: string; stop: () => Promise<void> };

/**
 * A tiny Glue endpoint speaking Glue's JSON protocol (`X-Amz-Target: AWSGlue.<Operation>`,
 * `application/x-amz-json-1.1`, errors as `__type`), for the operations the pipeline and
 * `etl query` use. The real `@aws-sdk/client-glue` talks to it through `AWS_ENDPOINT_URL_GLUE`,
 * and what it stores is plain JSON under `dir`.
 */
export async function startGlue(dir: string): Promise<GlueServer> {
  const ops = operations(new Store(dir));
  const server = createServer((req, res) => void handle(ops, req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(ops: Record<string, (body: Body) => Body>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const reply = (status: number, body: Body, type?: string) => {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(type ? { "x-amzn-errortype": type } : {}) });
    res.end(JSON.stringify(body));
  };
  const target = String(req.headers["x-amz-target"] ?? "");
  const op = ops[target.replace(/^AWSGlue\./, "")];
  if (req.method !== "POST" || !target.startsWith("AWSGlue.") || !op) {
    reply(400, { __type: "UnknownOperationException", Message: `Unsupported operation ${target}` }, "UnknownOperationException");
    return;
  }
  try {
    reply(200, op(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}")));
  } catch (error) {
    const type = error instanceof GlueError ? error.type : error instanceof SyntaxError ? "InvalidInputException" : "InternalServiceException";
    reply(error instanceof GlueError || error instanceof SyntaxError ? 400 : 500, { __type: type, Message: (error as Error).message }, type);
  }
}

/** Where a state directory keeps its catalog: what the local Glue writes and `etl query` reads. */
export function localCatalogDir(stateDir: string): string {
  return join(stateDir, "catalog");
}
