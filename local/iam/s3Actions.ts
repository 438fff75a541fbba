import type { S3Call } from "../s3/call.ts";
import type { AuthorizationRequest } from "./evaluate.ts";

const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

/** Reading names a version → s3:GetObjectVersion, as S3 authorizes it; HeadObject is a read. */
function read(bucket: string, key: string, versionId?: string): AuthorizationRequest {
  return { action: versionId ? "s3:GetObjectVersion" : "s3:GetObject", resource: objectArn(bucket, key) };
}

function remove(bucket: string, key: string, versionId?: string): AuthorizationRequest {
  return { action: versionId ? "s3:DeleteObjectVersion" : "s3:DeleteObject", resource: objectArn(bucket, key) };
}

/**
 * The IAM requests S3 makes of one call, per the S3 API reference's "Permissions" sections:
 * every one must be allowed. Multipart creation, parts and completion are PutObject; a copy
 * reads its source (by version when named) and writes its destination; a multi-object delete
 * is a delete per key; listing is authorized on the bucket.
 */
export function s3Requests(call: S3Call): AuthorizationRequest[] {
  const key = call.key ?? "";
  switch (call.operation) {
    case "GetObject":
    case "HeadObject":
      return [read(call.bucket, key, call.versionId)];
    case "PutObject":
    case "CreateMultipartUpload":
    case "UploadPart":
    case "CompleteMultipartUpload":
      return [{ action: "s3:PutObject", resource: objectArn(call.bucket, key) }];
    case "CopyObject": {
      const source = call.copySource!;
      return [read(source.bucket, source.key, source.versionId), { action: "s3:PutObject", resource: objectArn(call.bucket, key) }];
    }
    case "DeleteObject":
      return [remove(call.bucket, key, call.versionId)];
    case "DeleteObjects":
      return (call.deleteKeys ?? []).map((d) => remove(call.bucket, d.key, d.versionId));
    case "AbortMultipartUpload":
      return [{ action: "s3:AbortMultipartUpload", resource: objectArn(call.bucket, key) }];
    case "ListObjectsV2":
    case "HeadBucket":
      return [{ action: "s3:ListBucket", resource: bucketArn(call.bucket) }];
    case "ListObjectVersions":
      return [{ action: "s3:ListBucketVersions", resource: bucketArn(call.bucket) }];
    case "CreateBucket":
      return [{ action: "s3:CreateBucket", resource: bucketArn(call.bucket) }];
    case "PutBucketVersioning":
      return [{ action: "s3:PutBucketVersioning", resource: bucketArn(call.bucket) }];
    case "GetBucketVersioning":
      return [{ action: "s3:GetBucketVersioning", resource: bucketArn(call.bucket) }];
    case "DeleteBucket":
      return [{ action: "s3:DeleteBucket", resource: bucketArn(call.bucket) }];
  }
}

/** What S3 checks before answering 404 for a missing key: without it, the answer is 403. */
export function listRequest(bucket: string): AuthorizationRequest {
  return { action: "s3:ListBucket", resource: bucketArn(bucket) };
}
