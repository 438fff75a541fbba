import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as v from "valibot";
import { coarserPartitions } from "../lake/layout.ts";
import { isConditionFailure } from "./conditionFailure.ts";
import { inParallel } from "../inParallel.ts";

/** The item ids of the outputs table: one per output that several jobs may write. */
export const outputId = {
  /** The committed version of one source key. */
  source: (dataset: string, sourceId: string) => `source#${dataset}#${sourceId}`,
  /** The version counter of one silver day partition. */
  silver: (dataset: string, partition: string) => `silver#${dataset}#${partition}`,
  /** The published version of one gold partition. */
  gold: (model: string, partition: string) => `gold#${model}#${partition}`,
  /** The archived version of one raw key. */
  archive: (sourceId: string) => `archive#${sourceId}`,
  /** The newest schema version every silver file of a dataset is known to have the types of (core/commit/conformSilver.ts). */
  schema: (dataset: string) => `schema#${dataset}`,
  /** The last SPICE refresh of one QuickSight dataset (core/catalog/spiceRefresh.ts). */
  spice: (dataSetId: string) => `spice#${dataSetId}`,
  /** The compacted files of one silver partition (core/compact/). */
  compaction: (dataset: string, partition: string) => `compact#${dataset}#${partition}`,
};

/**
 * Which compacted files a silver partition holds: generation `gen`, described by the S3 manifest
 * `manifest` (its inputs, outputs and the jobs whose rows they hold). `publishing` while its
 * outputs move in and its inputs go: the next rewrite of the partition (a compaction, a clean, a
 * retiring commit) finishes that first; an aggregate leaves the partition's gold to it.
 */
export const CompactionRecordSchema = v.object({
  id: v.string(),
  gen: v.number(),
  state: v.picklist(["publishing", "done"]),
  manifest: v.string(),
  rev: v.number(),
  updated_at: v.string(),
});
/** A silver partition's compaction record. */
export type CompactionRecord = v.InferOutput<typeof CompactionRecordSchema>;

/**
 * Which version of a source key owns its silver and quarantine objects. `committing` while its
 * objects move in: a later attempt or a newer version finishes or undoes that. `retire` lists the
 * manifests of the versions whose objects must go before the commit completes.
 */
export const SourceRecordSchema = v.object({
  id: v.string(),
  sequencer: v.string(),
  job_id: v.string(),
  state: v.picklist(["committing", "committed"]),
  manifest: v.string(),
  retire: v.optional(v.array(v.string()), []),
  /** Partitions the completed commit changed: recomputed again by the version that replaces it, in case its job never got to. */
  changed: v.optional(v.array(v.string()), []),
  /** Bumped by every write, so a replacement applies only to the record as it was read. */
  rev: v.number(),
  updated_at: v.string(),
});
/** A source key's committed version. */
export type SourceRecord = v.InferOutput<typeof SourceRecordSchema>;

/**
 * The version of an output published by one copy (a gold partition, an archived upload): the
 * version that may be in place, and the object to copy there (none: the output is removed).
 */
export const PublishedRecordSchema = v.object({
  id: v.string(),
  version: v.union([v.number(), v.string()]),
  job_id: v.string(),
  from: v.optional(v.object({ bucket: v.string(), key: v.string() })),
  updated_at: v.string(),
});
/** A published output's record. */
export type PublishedRecord = v.InferOutput<typeof PublishedRecordSchema>;

/** A published version: numbers for counters, padded sequencers for uploads. */
export type OutputVersion = number | string;

/** BatchGetItem takes at most 100 keys. */
const BATCH = 100;

/**
 * The outputs table (docs/design.md decision 11): every write to an output that concurrent jobs share
 * goes through a conditional write here first, so the order of versions, not the order in which
 * jobs happen to finish, decides what the lake shows.
 */
export class OutputTable {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.db = db;
    this.table = table;
  }

  /** A source key's record, read consistently; undefined before its first commit. */
  async source(dataset: string, sourceId: string): Promise<SourceRecord | undefined> {
    const item = await this.get(outputId.source(dataset, sourceId));
    return item ? v.parse(SourceRecordSchema, item) : undefined;
  }

  /**
   * Replaces `expected` (the record as read, or none) by `next`, only if nobody changed it since:
   * false means another job got there first and the caller reads again.
   */
  async replaceSource(expected: SourceRecord | undefined, next: Omit<SourceRecord, "updated_at" | "rev">): Promise<boolean> {
    return this.replaceRevised(expected, next);
  }

  /** Marks the job's version committed with the partitions it changed; false when a newer version took the key meanwhile. */
  async completeSource(dataset: string, sourceId: string, jobId: string, changed: readonly string[]): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: outputId.source(dataset, sourceId) },
          UpdateExpression: "SET #state = :committed, changed = :changed, updated_at = :now, rev = rev + :one REMOVE retire",
          ConditionExpression: "job_id = :job",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":committed": "committed",
            ":changed": changed,
            ":job": jobId,
            ":now": new Date().toISOString(),
            ":one": 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Counts a change of a silver partition's rows; returns the partition's new version. */
  async bumpPartition(dataset: string, partition: string): Promise<number> {
    const [bumped] = await this.bumpPartitions(dataset, [partition]);
    return bumped.version;
  }

  /**
   * Counts a change of the rows of each partition; returns their new versions, in order. The
   * months and years holding them have counters too (monthly and yearly gold is versioned by
   * them): each is bumped once, after the days, however many of its days changed.
   */
  async bumpPartitions(dataset: string, partitions: readonly string[]): Promise<{ partition: string; version: number }[]> {
    const bump = async (p: string) => {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: outputId.silver(dataset, p) },
          UpdateExpression: "ADD #v :one SET updated_at = :now",
          ExpressionAttributeNames: { "#v": "version" },
          ExpressionAttributeValues: { ":one": 1, ":now": new Date().toISOString() },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return { partition: p, version: Number(out.Attributes?.version) };
    };
    const bumped = await inParallel(partitions, bump);
    await inParallel([...new Set(partitions.flatMap(coarserPartitions))].filter((p) => !partitions.includes(p)), bump);
    return bumped;
  }

  /** The current version of each partition (0 for one never changed), read consistently. */
  async partitionVersions(dataset: string, partitions: readonly string[]): Promise<Map<string, number>> {
    const versions = new Map(partitions.map((p) => [p, 0]));
    const byId = new Map(partitions.map((p) => [outputId.silver(dataset, p), p]));
    const items = await this.batchGet([...byId.keys()], { ProjectionExpression: "id, #v", ExpressionAttributeNames: { "#v": "version" } });
    for (const item of items) versions.set(byId.get(item.id as string)!, Number(item.version));
    return versions;
  }

  /** The compaction record of each partition that has one, read consistently (BatchGetItem, as aggregate may). */
  async compactions(dataset: string, partitions: readonly string[]): Promise<Map<string, CompactionRecord>> {
    const byId = new Map(partitions.map((p) => [outputId.compaction(dataset, p), p]));
    const items = await this.batchGet([...byId.keys()]);
    return new Map(items.map((item) => [byId.get(item.id as string)!, v.parse(CompactionRecordSchema, item)]));
  }

  private async batchGet(ids: readonly string[], projection: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      let keys: Record<string, unknown>[] | undefined = ids.slice(i, i + BATCH).map((id) => ({ id }));
      while (keys?.length) {
        const out: { Responses?: Record<string, Record<string, unknown>[]>; UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }> } =
          await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true, ...projection } } }));
        items.push(...(out.Responses?.[this.table] ?? []));
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return items;
  }

  /** The newest schema version all of a dataset's silver files were conformed to; undefined before the first pass. */
  async conformedSchema(dataset: string): Promise<number | undefined> {
    const item = await this.get(outputId.schema(dataset));
    return item ? Number(item.conformed) : undefined;
  }

  /** Records that every silver file of a dataset has the types of `version`; never moves the mark back. */
  async markConformed(dataset: string, version: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: outputId.schema(dataset) },
          UpdateExpression: "SET conformed = :v, updated_at = :now",
          ConditionExpression: "attribute_not_exists(conformed) OR conformed < :v",
          ExpressionAttributeValues: { ":v": version, ":now": new Date().toISOString() },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** A partition's compaction record, read consistently; undefined before its first compaction. */
  async compaction(dataset: string, partition: string): Promise<CompactionRecord | undefined> {
    const item = await this.get(outputId.compaction(dataset, partition));
    return item ? v.parse(CompactionRecordSchema, item) : undefined;
  }

  /**
   * Replaces `expected` (as read, or none) by `next`, only if nobody changed it since: one writer
   * per generation. False means another compaction or retirement got there first.
   */
  async replaceCompaction(expected: CompactionRecord | undefined, next: Omit<CompactionRecord, "updated_at" | "rev">): Promise<boolean> {
    return this.replaceRevised(expected, next);
  }

  /**
   * Claims a SPICE refresh of the dataset at `now` if the last one ran at `cutoff` or before (or
   * never): true means this caller refreshes; false leaves the dataset marked pending for the
   * next claim past the interval. One conditional write: concurrent publishers refresh once.
   * With `pendingOnly` (the sweep's trailing refresh) it claims only a dataset left pending.
   */
  async claimRefresh(dataSetId: string, now: number, cutoff: number, o: { pendingOnly?: boolean } = {}): Promise<boolean> {
    const Key = { id: outputId.spice(dataSetId) };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          UpdateExpression: "SET last_at = :now, pending = :no, updated_at = :iso",
          ConditionExpression: o.pendingOnly ? "pending = :yes AND last_at <= :cutoff" : "attribute_not_exists(last_at) OR last_at <= :cutoff",
          ExpressionAttributeValues: {
            ":now": now,
            ":no": false,
            ":cutoff": cutoff,
            ":iso": new Date(now).toISOString(),
            ...(o.pendingOnly ? { ":yes": true } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (!o.pendingOnly) {
        await this.db.send(
          new UpdateCommand({ TableName: this.table, Key, UpdateExpression: "SET pending = :yes", ExpressionAttributeValues: { ":yes": true } }),
        );
      }
      return false;
    }
  }

  /** A published output's record, read consistently. */
  async published(id: string): Promise<PublishedRecord | undefined> {
    const item = await this.get(id);
    return item ? v.parse(PublishedRecordSchema, item) : undefined;
  }

  /**
   * Records `version` as the one to publish, unless a newer one is recorded. Returns whether this
   * version is (still) the one to publish, the record as written and the one it replaced. Equal versions come from
   * the same job running again.
   */
  async claimPublished(record: Omit<PublishedRecord, "updated_at">): Promise<{ won: true; claimed: PublishedRecord; replaced?: PublishedRecord } | { won: false; replaced?: undefined }> {
    const claimed = { ...record, updated_at: new Date().toISOString() };
    try {
      const out: { Attributes?: Record<string, unknown> } = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: claimed,
          ConditionExpression: "attribute_not_exists(id) OR #v <= :v",
          ExpressionAttributeNames: { "#v": "version" },
          ExpressionAttributeValues: { ":v": record.version },
          ReturnValues: "ALL_OLD",
        }),
      );
      return { won: true, claimed, replaced: out.Attributes ? v.parse(PublishedRecordSchema, out.Attributes) : undefined };
    } catch (error) {
      if (isConditionFailure(error)) return { won: false };
      throw error;
    }
  }

  /** Puts `next` with the revision after `expected`'s, only if the stored item is still `expected` (or absent when none). */
  private async replaceRevised(expected: { rev: number } | undefined, next: { id: string }): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...next, rev: (expected?.rev ?? 0) + 1, updated_at: new Date().toISOString() },
          ...(expected
            ? { ConditionExpression: "rev = :rev", ExpressionAttributeValues: { ":rev": expected.rev } }
            : { ConditionExpression: "attribute_not_exists(id)" }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async get(id: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }));
    return out.Item;
  }
}
