import { invalidArgument } from "./errors.ts";
import { compareKeys, type SortedKeys } from "./keyOrder.ts";
import type { Version } from "./version.ts";

/** S3's page size limit, and the default. */
export const MAX_KEYS = 1000;

export type ListParams = { prefix: string; delimiter?: string; maxKeys: number; startAfter?: string; continuationToken?: string };
export type ListPage = {
  contents: { key: string; version: Version }[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
};

/** Where a page stopped: after this key, or after every key below this common prefix. */
type Cursor = { after: string; prefix?: boolean };

function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeToken(token: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Cursor;
    if (typeof cursor.after === "string") return cursor;
  } catch {
    // answered below
  }
  throw invalidArgument("The continuation token provided is incorrect");
}

/** The common prefix a key rolls up into under `delimiter`, if any. */
function rollUp(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}

/** One ListObjectsV2 page over a bucket's keys; keys whose current version is a delete marker are absent. */
export function listObjects(keys: SortedKeys, current: (key: string) => Version | undefined, params: ListParams): ListPage {
  const cursor: Cursor | undefined = params.continuationToken
    ? decodeToken(params.continuationToken)
    : params.startAfter
      ? { after: params.startAfter }
      : undefined;
  const page: ListPage = { contents: [], commonPrefixes: [], isTruncated: false };
  let last: Cursor | undefined;
  for (const key of keys.from(cursor?.after ?? "", params.prefix)) {
    if (cursor && (compareKeys(key, cursor.after) <= 0 || (cursor.prefix && key.startsWith(cursor.after)))) continue;
    const common = rollUp(key, params.prefix, params.delimiter);
    if (common !== undefined && common === last?.after) continue;
    const version = current(key);
    if (!version) continue;
    if (page.contents.length + page.commonPrefixes.length >= params.maxKeys) {
      page.isTruncated = true;
      break;
    }
    if (common !== undefined) {
      page.commonPrefixes.push(common);
      last = { after: common, prefix: true };
    } else {
      page.contents.push({ key, version });
      last = { after: key };
    }
  }
  if (page.isTruncated && last) page.nextContinuationToken = encodeToken(last);
  return page;
}

export type VersionParams = { prefix: string; delimiter?: string; maxKeys: number; keyMarker?: string; versionIdMarker?: string };
export type VersionPage = {
  entries: { key: string; version: Version; isLatest: boolean }[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
};

/** One ListObjectVersions page: every version and delete marker, by key, newest first. */
export function listVersions(keys: SortedKeys, versionsOf: (key: string) => Version[], params: VersionParams): VersionPage {
  const page: VersionPage = { entries: [], commonPrefixes: [], isTruncated: false };
  const full = () => page.entries.length + page.commonPrefixes.length >= params.maxKeys;
  const marker = params.keyMarker;
  for (const key of keys.from(marker ?? "", params.prefix)) {
    if (marker !== undefined && compareKeys(key, marker) < 0) continue;
    const resumeInKey = marker === key && params.versionIdMarker !== undefined;
    if (marker === key && !resumeInKey) continue;
    const common = rollUp(key, params.prefix, params.delimiter);
    if (common !== undefined) {
      if (page.commonPrefixes.at(-1) === common || (marker !== undefined && marker.startsWith(common))) continue;
      if (full()) return truncate(page, common);
      page.commonPrefixes.push(common);
      continue;
    }
    const versions = versionsOf(key);
    let i = resumeInKey ? versions.findIndex((v) => v.versionId === params.versionIdMarker) + 1 : 0;
    for (; i < versions.length; i++) {
      if (full()) return truncate(page);
      page.entries.push({ key, version: versions[i], isLatest: i === 0 });
    }
  }
  return page;
}

function truncate(page: VersionPage, nextPrefix?: string): VersionPage {
  page.isTruncated = true;
  const last = page.entries.at(-1);
  const lastPrefix = page.commonPrefixes.at(-1);
  if (lastPrefix !== undefined && (!last || compareKeys(lastPrefix, last.key) > 0)) {
    page.nextKeyMarker = lastPrefix;
  } else if (last) {
    page.nextKeyMarker = last.key;
    page.nextVersionIdMarker = last.version.versionId;
  } else {
    page.nextKeyMarker = nextPrefix;
  }
  return page;
}
