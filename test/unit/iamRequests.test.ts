import { describe, expect, it } from "vitest";
import { s3Requests } from "../../local/iam/s3Actions.ts";
import { deleteKeys, parseS3Request } from "../../local/iam/s3Request.ts";
import { dynamodbRequests } from "../../local/iam/dynamodbActions.ts";
import { snsRequests } from "../../local/iam/snsActions.ts";
import { s3Authorizer } from "../../local/iam/s3Authorizer.ts";
import { functionAccessKey, functionPrincipals } from "../../local/iam/principals.ts";

const req = (action: string, resource: string) => ({ action, resource });

describe("s3Requests", () => {
  it("authorizes a read naming a version as GetObjectVersion, HeadObject as a read", () => {
    expect(s3Requests({ operation: "GetObject", bucket: "b", key: "k" })).toEqual([req("s3:GetObject", "arn:aws:s3:::b/k")]);
    expect(s3Requests({ operation: "HeadObject", bucket: "b", key: "k", versionId: "v" })).toEqual([req("s3:GetObjectVersion", "arn:aws:s3:::b/k")]);
  });

  it("authorizes a copy as a read of its source (by version) and a write of its destination", () => {
    expect(
      s3Requests({ operation: "CopyObject", bucket: "lake", key: "bronze/x", copySource: { bucket: "raw", key: "incoming/x", versionId: "v1" } }),
    ).toEqual([req("s3:GetObjectVersion", "arn:aws:s3:::raw/incoming/x"), req("s3:PutObject", "arn:aws:s3:::lake/bronze/x")]);
  });

  it("authorizes deletes per key, by version when named; listing and aborting as their own actions", () => {
    expect(s3Requests({ operation: "DeleteObject", bucket: "b", key: "k", versionId: "v" })).toEqual([req("s3:DeleteObjectVersion", "arn:aws:s3:::b/k")]);
    expect(s3Requests({ operation: "DeleteObjects", bucket: "b", deleteKeys: [{ key: "a" }, { key: "c", versionId: "v" }] })).toEqual([
      req("s3:DeleteObject", "arn:aws:s3:::b/a"),
      req("s3:DeleteObjectVersion", "arn:aws:s3:::b/c"),
    ]);
    expect(s3Requests({ operation: "ListObjectsV2", bucket: "b" })).toEqual([req("s3:ListBucket", "arn:aws:s3:::b")]);
    expect(s3Requests({ operation: "ListObjectVersions", bucket: "b" })).toEqual([req("s3:ListBucketVersions", "arn:aws:s3:::b")]);
    for (const operation of ["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"] as const) {
      expect(s3Requests({ operation, bucket: "b", key: "k" })).toEqual([req("s3:PutObject", "arn:aws:s3:::b/k")]);
    }
    expect(s3Requests({ operation: "AbortMultipartUpload", bucket: "b", key: "k" })).toEqual([req("s3:AbortMultipartUpload", "arn:aws:s3:::b/k")]);
  });
});

describe("parseS3Request", () => {
  const parse = (method: string, url: string, headers = {}, body?: string) => parseS3Request(method, url, headers, "etl-x", body);

  it("reads the operation, decoded key and version of path-style requests", () => {
    expect(parse("GET", "/raw/incoming/a%20b%2Bc.csv?versionId=v%2F1&x-id=GetObject")).toEqual({
      operation: "GetObject", bucket: "raw", key: "incoming/a b+c.csv", versionId: "v/1", accessKeyId: "etl-x",
    });
    expect(parse("HEAD", "/raw/k")?.operation).toBe("HeadObject");
    expect(parse("GET", "/raw?list-type=2&prefix=incoming%2F")?.operation).toBe("ListObjectsV2");
    expect(parse("GET", "/raw?versions")?.operation).toBe("ListObjectVersions");
    expect(parse("PUT", "/raw/k?partNumber=1&uploadId=u")?.operation).toBe("UploadPart");
    expect(parse("POST", "/raw/k?uploads")?.operation).toBe("CreateMultipartUpload");
    expect(parse("POST", "/raw/k?uploadId=u")?.operation).toBe("CompleteMultipartUpload");
    expect(parse("DELETE", "/raw/k?uploadId=u")?.operation).toBe("AbortMultipartUpload");
    expect(parse("DELETE", "/raw/k?versionId=v")).toMatchObject({ operation: "DeleteObject", versionId: "v" });
  });

  it("reads a copy's source with its version", () => {
    expect(parse("PUT", "/lake/bronze/x", { "x-amz-copy-source": "raw/incoming/a%20b.csv?versionId=v1" })).toMatchObject({
      operation: "CopyObject", bucket: "lake", key: "bronze/x", copySource: { bucket: "raw", key: "incoming/a b.csv", versionId: "v1" },
    });
  });

  it("reads the keys of a multi-object delete, XML-escaped", () => {
    const body = "<Delete><Object><Key>a&amp;b</Key></Object><Object><Key>c&#x3C;d</Key><VersionId>v</VersionId></Object><Quiet>true</Quiet></Delete>";
    expect(deleteKeys(body)).toEqual([{ key: "a&b" }, { key: "c<d", versionId: "v" }]);
    expect(parse("POST", "/raw?delete", {}, body)?.deleteKeys).toHaveLength(2);
  });

  it("does not recognise what the pipeline never does (ACLs, tagging, bucket policies)", () => {
    expect(parse("PUT", "/raw/k?acl")).toBeUndefined();
    expect(parse("PUT", "/raw?policy")).toBeUndefined();
    expect(parse("GET", "/raw/k?tagging")).toBeUndefined();
  });
});

describe("dynamodbRequests and snsRequests", () => {
  it("names the table, an index for queries, each table of a batch and each item of a transaction", () => {
    const t = (name: string) => `arn:aws:dynamodb:r:1:table/${name}`;
    expect(dynamodbRequests("DynamoDB_20120810.PutItem", { TableName: "jobs" }, "r", "1")).toEqual([req("dynamodb:PutItem", t("jobs"))]);
    expect(dynamodbRequests("DynamoDB_20120810.Query", { TableName: "jobs", IndexName: "by_status" }, "r", "1")).toEqual([
      req("dynamodb:Query", `${t("jobs")}/index/by_status`),
    ]);
    expect(dynamodbRequests("DynamoDB_20120810.BatchWriteItem", { RequestItems: { a: [], b: [] } }, "r", "1")).toEqual([
      req("dynamodb:BatchWriteItem", t("a")),
      req("dynamodb:BatchWriteItem", t("b")),
    ]);
    expect(
      dynamodbRequests("DynamoDB_20120810.TransactWriteItems", { TransactItems: [{ Put: { TableName: "a" } }, { ConditionCheck: { TableName: "b" } }] }, "r", "1"),
    ).toEqual([req("dynamodb:PutItem", t("a")), req("dynamodb:ConditionCheckItem", t("b"))]);
    expect(dynamodbRequests("DynamoDB_20120810.GetItem", { TableName: "arn:aws:dynamodb:r:1:table/x" }, "r", "1")).toEqual([req("dynamodb:GetItem", t("x"))]);
  });

  it("names the topic SNS publishes to", () => {
    expect(snsRequests(new URLSearchParams({ Action: "Publish", TopicArn: "arn:aws:sns:r:1:alerts" }), "r", "1")).toEqual([
      req("sns:Publish", "arn:aws:sns:r:1:alerts"),
    ]);
  });
});

describe("s3Authorizer", () => {
  const authorizer = s3Authorizer(functionPrincipals());

  it("lets the local user do anything and a function only what its policy grants, in AWS's words", () => {
    expect(authorizer.authorize({ operation: "DeleteObjects", bucket: "etl-raw", deleteKeys: [{ key: "x" }], accessKeyId: "local" })).toBeUndefined();
    const extract = functionAccessKey("extract");
    expect(authorizer.authorize({ operation: "HeadObject", bucket: "etl-raw", key: "incoming/a.csv", versionId: "v", accessKeyId: extract })).toBeUndefined();
    expect(authorizer.authorize({ operation: "PutObject", bucket: "etl-raw", key: "incoming/a.csv", accessKeyId: extract })).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/etl-extract-role/etl-extract is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::etl-raw/incoming/a.csv" because no identity-based policy allows the s3:PutObject action',
    );
  });

  it("lets archive delete versions under incoming/ and archived/ (a retract's erasure), and nowhere else", () => {
    const archive = functionAccessKey("archive");
    expect(authorizer.authorize({ operation: "DeleteObjects", bucket: "etl-raw", deleteKeys: [{ key: "incoming/a.csv", versionId: "v" }], accessKeyId: archive })).toBeUndefined();
    expect(authorizer.authorize({ operation: "DeleteObject", bucket: "etl-raw", key: "archived/a.csv", versionId: "v", accessKeyId: archive })).toBeUndefined();
    expect(authorizer.authorize({ operation: "DeleteObject", bucket: "etl-raw", key: "notes/a.csv", versionId: "v", accessKeyId: archive })).toContain("s3:DeleteObjectVersion");
  });

  it("refuses an unknown function key everything", () => {
    expect(authorizer.authorize({ operation: "GetObject", bucket: "etl-lake", key: "gold/x", accessKeyId: "etl-nobody" })).toContain("s3:GetObject");
  });
});
