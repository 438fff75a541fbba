import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One SPICE ingestion as the stand-in recorded it. */
export type Ingestion = { accountId: string; dataSetId: string; ingestionId: string; createdAt: number };

/** A running stand-in: its endpoint, what it recorded, and how to stop it. */
export type QuickSightServer = { url: string; ingestions: Ingestion[]; stop: () => Promise<void> };

const INGESTIONS = /^\/accounts\/([^/]+)\/data-sets\/([^/]+)\/ingestions(?:\/([^/]+))?$/;

/**
 * The smallest QuickSight the pipeline needs locally (there is no emulator): CreateIngestion and
 * ListIngestions of QuickSight's REST-JSON protocol, so the real SDK client's calls are recorded
 * and a test counts the refreshes publishing caused. Every ingestion completes at once.
 */
export async function startQuickSight(): Promise<QuickSightServer> {
  const ingestions: Ingestion[] = [];
  const server = createServer((req, res) => void handle(ingestions, req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ingestions,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(ingestions: Ingestion[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  for await (const _ of req); // the body (IngestionType) changes nothing here
  const match = INGESTIONS.exec(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  const requestId = randomUUID();
  const send = (status: number, body: object, type?: string) => {
    res.writeHead(status, { "content-type": "application/json", "x-amzn-requestid": requestId, ...(type ? { "x-amzn-errortype": type } : {}) });
    res.end(JSON.stringify(body));
  };
  if (!match) return send(404, { Message: `No route ${req.method} ${req.url}` }, "UnsupportedOperationException");
  const [, accountId, dataSetId, ingestionId] = match;
  const arn = (id: string) => `arn:aws:quicksight:us-east-1:${accountId}:dataset/${dataSetId}/ingestion/${id}`;
  if (req.method === "PUT" && ingestionId) {
    if (ingestions.some((i) => i.dataSetId === dataSetId && i.ingestionId === ingestionId)) {
      return send(409, { Message: `Ingestion ${ingestionId} exists` }, "ResourceExistsException");
    }
    ingestions.push({ accountId, dataSetId, ingestionId, createdAt: Date.now() });
    return send(201, { Arn: arn(ingestionId), IngestionId: ingestionId, IngestionStatus: "COMPLETED", RequestId: requestId });
  }
  if (req.method === "GET" && !ingestionId) {
    const mine = ingestions.filter((i) => i.accountId === accountId && i.dataSetId === dataSetId);
    return send(200, {
      Ingestions: mine.map((i) => ({ Arn: arn(i.ingestionId), IngestionId: i.ingestionId, IngestionStatus: "COMPLETED", CreatedTime: i.createdAt / 1000 })),
      RequestId: requestId,
    });
  }
  return send(405, { Message: `${req.method} not supported` }, "UnsupportedOperationException");
}
