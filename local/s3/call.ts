// local/s3/call.ts (owned by part s3; other parts import it)
export type S3Call = {
  operation: "PutObject" | "GetObject" | "HeadObject" | "CopyObject" | "DeleteObject" | "DeleteObjects"
    | "ListObjectsV2" | "ListObjectVersions" | "CreateMultipartUpload" | "UploadPart"
    | "CompleteMultipartUpload" | "AbortMultipartUpload" | "CreateBucket" | "HeadBucket"
    | "PutBucketVersioning" | "GetBucketVersioning";
  bucket: string;
  key?: string;                 // decoded
  versionId?: string;           // when the request names a version
  copySource?: { bucket: string; key: string; versionId?: string };
  deleteKeys?: { key: string; versionId?: string }[];   // DeleteObjects
  accessKeyId?: string;         // from the SigV4 Authorization header (Credential=AKID/…)
};
export type S3Hooks = {
  /** Returns an AccessDenied message to refuse the call (403 AccessDenied), undefined to allow. */
  authorize?: (call: S3Call) => string | undefined;
  /** Called after each successful write (Put, Copy, Delete(s), CompleteMultipartUpload). */
  onWrite?: (call: S3Call) => void;
};
