import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIamProxy, type IamProxy } from "../../local/iam/proxy.ts";
import { functionPrincipals } from "../../local/iam/principals.ts";
import type { Denial } from "../../local/iam/authorize.ts";

/** An upstream that records what reaches it and answers 404 for keys named `missing…`. */
let upstream: Server;
let proxy: IamProxy;
const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
const denials: Denial[] = [];

beforeAll(async () => {
  upstream = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
    res.writeHead(req.url!.includes("/missing") ? 404 : 200, { "x-upstream": "yes" });
    res.end(req.url!.includes("/missing") ? "<Error><Code>NoSuchKey</Code></Error>" : "ok");
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  proxy = await startIamProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, {
    principals: functionPrincipals(),
    region: "us-east-1",
    account: "000000000000",
    onDenied: (d) => denials.push(d),
  });
});
afterAll(async () => {
  await proxy.stop();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const auth = (key: string, service: string) => `AWS4-HMAC-SHA256 Credential=${key}/20240101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`;

function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request(`${proxy.url}${path}`, { method, headers }, async (res) => {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() });
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the IAM proxy", () => {
  it("forwards an allowed request unchanged and passes the answer back", async () => {
    const before = received.length;
    const out = await send("PUT", "/etl-lake/bronze/sales/job-1/a%20b.csv", { authorization: auth("etl-extract", "s3"), "x-amz-meta-x": "1" }, "bytes");
    expect(out).toMatchObject({ status: 200, body: "ok", headers: { "x-upstream": "yes" } });
    expect(received.slice(before)).toMatchObject([{ method: "PUT", url: "/etl-lake/bronze/sales/job-1/a%20b.csv", body: "bytes", headers: { "x-amz-meta-x": "1" } }]);
  });

  it("refuses a function's call outside its policy without reaching the emulator", async () => {
    const before = received.length;
    const out = await send("PUT", "/etl-lake/gold/x", { authorization: auth("etl-extract", "s3") }, "bytes");
    expect(out.status).toBe(403);
    expect(out.body).toMatch(/<Code>AccessDenied<\/Code><Message>User: arn:aws:sts::000000000000:assumed-role\/etl-extract-role\/etl-extract is not authorized to perform: s3:PutObject on resource: &quot;arn:aws:s3:::etl-lake\/gold\/x&quot;/);
    expect(received.length).toBe(before);
  });

  it("sends no body with a refused HEAD, as S3 does", async () => {
    const out = await send("HEAD", "/etl-lake/gold/x", { authorization: auth("etl-extract", "s3") });
    expect(out).toMatchObject({ status: 403, body: "" });
  });

  it("keeps S3's 404 for a missing key when the caller may list the bucket", async () => {
    // Without s3:ListBucket it becomes 403: test/integration/iam.test.ts shows it with the SDK.
    const out = await send("GET", "/etl-raw/incoming/missing.csv", { authorization: auth("etl-extract", "s3") });
    expect(out).toMatchObject({ status: 404, body: "<Error><Code>NoSuchKey</Code></Error>" });
  });

  it("reads the caller of a presigned URL from X-Amz-Credential", async () => {
    const credential = encodeURIComponent("etl-notify/20240101/us-east-1/s3/aws4_request");
    expect((await send("GET", `/etl-lake/gold/x?X-Amz-Credential=${credential}&X-Amz-Signature=x`, {})).status).toBe(403);
  });

  it("refuses a function an S3 request it does not recognise (an ACL, a bucket policy)", async () => {
    const out = await send("PUT", "/etl-lake/bronze/x?acl", { authorization: auth("etl-extract", "s3") }, "<AccessControlPolicy/>");
    expect(out.status).toBe(403);
    expect(denials.at(-1)?.message).toContain("does not know it");
  });

  it("judges DeleteObjects by every key it names", async () => {
    const body = (key: string) => `<Delete><Object><Key>${key}</Key></Object><Object><Key>staging/job-1/x</Key></Object></Delete>`;
    expect((await send("POST", "/etl-lake?delete", { authorization: auth("etl-load", "s3") }, body("gold/x"))).status).toBe(200);
    const refused = await send("POST", "/etl-lake?delete", { authorization: auth("etl-load", "s3") }, body("silver/x"));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("s3:DeleteObject on resource: &quot;arn:aws:s3:::etl-lake/silver/x&quot;");
  });

  it("answers DynamoDB and SNS refusals in their own shapes, and lets the local user do anything", async () => {
    const dynamo = await send(
      "POST",
      "/",
      { authorization: auth("etl-notify", "dynamodb"), "x-amz-target": "DynamoDB_20120810.DeleteItem", "content-type": "application/x-amz-json-1.0" },
      JSON.stringify({ TableName: "etl-jobs", Key: {} }),
    );
    expect(dynamo.status).toBe(400);
    expect(JSON.parse(dynamo.body)).toEqual({
      __type: "com.amazon.coral.service#AccessDeniedException",
      message: "User: arn:aws:sts::000000000000:assumed-role/etl-notify-role/etl-notify is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/etl-jobs because no identity-based policy allows the dynamodb:DeleteItem action",
    });
    const sns = await send("POST", "/", { authorization: auth("etl-clean", "sns"), "content-type": "application/x-www-form-urlencoded" }, "Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Aetl-alerts&Message=x");
    expect(sns.status).toBe(403);
    expect(sns.body).toMatch(/<Code>AuthorizationError<\/Code>.*sns:Publish on resource: arn:aws:sns:us-east-1:000000000000:etl-alerts/);
    expect((await send("DELETE", "/etl-raw/incoming/x", { authorization: auth("AKIALOCAL", "s3") })).status).toBe(200);
  });

  it("forwards a DynamoDB body that is not JSON for the emulator to refuse, and a function key naming no function gets nothing", async () => {
    const before = received.length;
    await send("POST", "/", { authorization: auth("etl-notify", "dynamodb"), "x-amz-target": "DynamoDB_20120810.GetItem" }, "{not json");
    expect(received.length).toBe(before + 1);
    expect((await send("GET", "/etl-raw/incoming/x", { authorization: auth("etl-nobody", "s3") })).status).toBe(403);
  });
});
