import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { firstDenial, type Denial } from "./authorize.ts";
import { dynamodbRequests } from "./dynamodbActions.ts";
import { glueRequests } from "./glueActions.ts";
import type { Principals } from "./principals.ts";
import { s3Authorizer } from "./s3Authorizer.ts";
import { parseS3Request } from "./s3Request.ts";
import { snsRequests } from "./snsActions.ts";

/** A running proxy: the endpoint to give the SDK clients instead of the emulator's. */
export type IamProxy = { url: string; stop: () => Promise<void> };

export type IamProxyOptions = {
  principals: Principals;
  region: string;
  account: string;
  /** Told of every refused call (the local runtime keeps them for tests and logs). */
  onDenied?: (denial: Denial) => void;
};

/**
 * The signer and service of a SigV4 request, from `Authorization: AWS4-HMAC-SHA256
 * Credential=AKID/date/region/service/aws4_request, …` or a presigned URL's `X-Amz-Credential`.
 * Signatures are not verified: locally the access key id only says which function calls.
 */
function credential(req: IncomingMessage): { accessKeyId?: string; service?: string } {
  const scope =
    /Credential=([^,\s]+)/.exec(req.headers.authorization ?? "")?.[1] ??
    new URL(req.url ?? "/", "http://local").searchParams.get("X-Amz-Credential") ??
    "";
  const [accessKeyId, , , service] = scope.split("/");
  return { accessKeyId: accessKeyId || undefined, service };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function jsonBody(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8") || "{}");
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function refuse(res: ServerResponse, status: number, contentType: string, body: string, method?: string): void {
  res.writeHead(status, { "content-type": contentType, "x-amzn-requestid": crypto.randomUUID() });
  res.end(method === "HEAD" ? undefined : body);
}

/** S3's 403, an XML error document (a HEAD response carries no body, as on S3). */
function s3AccessDenied(res: ServerResponse, method: string, message: string): void {
  const id = crypto.randomUUID();
  refuse(
    res,
    403,
    "application/xml",
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${xmlEscape(message)}</Message><RequestId>${id}</RequestId><HostId>${id}</HostId></Error>`,
    method,
  );
}

/**
 * A thin proxy in front of an emulator that evaluates each call of a function's access key
 * against its IAM policy (docs/design.md decision 11) and answers a refused one as the service does:
 * S3 403 `AccessDenied` (XML), DynamoDB 400 `AccessDeniedException` (JSON), SNS 403
 * `AuthorizationError` (XML). Allowed calls are forwarded unchanged, streaming; only the small
 * bodies that name the resources (DynamoDB, SNS, S3 DeleteObjects) are read first.
 */
export async function startIamProxy(upstream: string, options: IamProxyOptions): Promise<IamProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const s3 = s3Authorizer(options.principals, options.onDenied);

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body?: Buffer,
    replace?: (status: number) => boolean,
  ): void => {
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (response) => {
        if (replace?.(response.statusCode ?? 0)) {
          response.resume();
          return;
        }
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    up.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${error.message}`);
    });
    if (body) up.end(body);
    else req.pipe(up);
  };

  const handleS3 = async (req: IncomingMessage, res: ServerResponse, accessKeyId?: string) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const needsBody = method === "POST" && new URL(url, "http://local").searchParams.has("delete");
    const body = needsBody ? await readBody(req) : undefined;
    const call = parseS3Request(method, url, req.headers, accessKeyId, body?.toString("utf8"));
    const caller = options.principals(accessKeyId);
    if (caller && !call) {
      const denial: Denial = { principal: caller.principal, action: `s3:${method} ${url}`, resource: "*", message: `User: ${caller.principal} is not authorized to perform this S3 request (${method} ${url}): the local IAM check does not know it` };
      options.onDenied?.(denial);
      return s3AccessDenied(res, method, denial.message);
    }
    const denied = call && s3.authorize(call);
    if (denied) return s3AccessDenied(res, method, denied);
    const reads = call && (call.operation === "GetObject" || call.operation === "HeadObject");
    forward(req, res, body, (status) => {
      const hidden = reads && status === 404 ? s3.missingKeyDenial(call) : undefined;
      if (hidden) s3AccessDenied(res, method, hidden);
      return Boolean(hidden);
    });
  };

  const handleBuffered = async (req: IncomingMessage, res: ServerResponse, service: string, accessKeyId?: string) => {
    const body = await readBody(req);
    const caller = options.principals(accessKeyId);
    if (caller) {
      const requests =
        service === "dynamodb"
          ? dynamodbRequests(String(req.headers["x-amz-target"] ?? ""), jsonBody(body), options.region, options.account)
          : service === "glue"
            ? glueRequests(String(req.headers["x-amz-target"] ?? ""), jsonBody(body), options.region, options.account)
            : snsRequests(new URLSearchParams(body.toString("utf8")), options.region, options.account);
      // A body that is not JSON names no table: dynalite refuses it itself (SerializationException).
      const denial = requests && firstDenial(caller, requests);
      if (denial) {
        options.onDenied?.(denial);
        if (service === "dynamodb") {
          return refuse(res, 400, "application/x-amz-json-1.0", JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException", message: denial.message }));
        }
        if (service === "glue") {
          return refuse(res, 400, "application/x-amz-json-1.1", JSON.stringify({ __type: "AccessDeniedException", Message: denial.message }));
        }
        const id = crypto.randomUUID();
        return refuse(
          res,
          403,
          "text/xml",
          `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>${xmlEscape(denial.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
        );
      }
    }
    forward(req, res, body);
  };

  const server = createServer((req, res) => {
    const { accessKeyId, service } = credential(req);
    const handled =
      service === "s3"
        ? handleS3(req, res, accessKeyId)
        : service === "dynamodb" || service === "sns" || service === "glue"
          ? handleBuffered(req, res, service, accessKeyId)
          : Promise.resolve(forward(req, res));
    handled.catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`proxy: ${error.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, target.hostname === "localhost" ? "localhost" : "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${target.hostname}:${port}`,
    stop: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
