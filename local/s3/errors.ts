/** An S3 error response: the HTTP status and the `<Code>` the SDK turns into an exception name. */
export class S3Error extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra response headers, e.g. `x-amz-delete-marker` on a key whose current version is a marker. */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.name = code;
  }
}

export const noSuchBucket = (bucket: string) => new S3Error(404, "NoSuchBucket", `The specified bucket does not exist: ${bucket}`);
export const noSuchKey = (key: string, headers?: Record<string, string>) =>
  new S3Error(404, "NoSuchKey", `The specified key does not exist: ${key}`, headers);
export const noSuchVersion = (versionId: string) => new S3Error(404, "NoSuchVersion", `The specified version does not exist: ${versionId}`);
export const noSuchUpload = (uploadId: string) =>
  new S3Error(404, "NoSuchUpload", `The specified multipart upload does not exist: ${uploadId}`);
export const preconditionFailed = (condition: string) =>
  new S3Error(412, "PreconditionFailed", `At least one of the pre-conditions you specified did not hold: ${condition}`);
export const invalidArgument = (message: string) => new S3Error(400, "InvalidArgument", message);
export const invalidRequest = (message: string) => new S3Error(400, "InvalidRequest", message);
export const malformedXml = (message: string) => new S3Error(400, "MalformedXML", message);
export const notImplemented = (what: string) => new S3Error(501, "NotImplemented", `Not implemented by the local store: ${what}`);
