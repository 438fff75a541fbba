/** One S3 request as the local store understands it, before it runs: what the hooks decide on. */
export type S3Call = {
  operation: "PutObject" | "GetObject" | "HeadObject" | "CopyObject" | "DeleteObject" | "DeleteObjects"
    | "ListObjectsV2" | "ListObjectVersions" | "CreateMultipartUpload" | "UploadPart"
    | "CompleteMultipartUpload" | "AbortMultipartUpload" | "CreateBucket" | "HeadBucket"
    | "PutBucketVersioning" | "GetBucketVersioning" | "DeleteBucket";
  bucket: string;
  /** Decoded. */
  key?: string;
  /** When the request names a version. */
  versionId?: string;
  copySource?: { bucket: string; key: string; versionId?: string };
  /** DeleteObjects. */
  deleteKeys?: { key: string; versionId?: string }[];
  /** From the SigV4 Authorization header (Credential=AKID/…) or a presigned URL's X-Amz-Credential. */
  accessKeyId?: string;
};

/** What other parts of the local runtime plug into the store: policy checks and fault injection. */
export type S3Hooks = {
  /** Returns an AccessDenied message to refuse the call (403 AccessDenied), undefined to allow. */
  authorize?: (call: S3Call) => string | undefined;
  /**
   * Before a missing key or version is answered 404: an AccessDenied message to answer 403
   * instead (S3 does so for a caller without s3:ListBucket), undefined to answer 404.
   */
  notFound?: (call: S3Call) => string | undefined;
  /** Called after each successful write (Put, Copy, Delete(s), CompleteMultipartUpload). */
  onWrite?: (call: S3Call) => void;
};
