import { randomUUID } from "node:crypto";
import { CreateIngestionCommand, type QuickSightClient } from "@aws-sdk/client-quicksight";
import { refreshCutoff } from "../catalog/spiceRefresh.ts";
import type { OutputTable } from "./outputTable.ts";

/** Which datasets a publish refreshed and which it left pending (coalesced into a later refresh). */
export type RefreshOutcome = { refreshed: string[]; deferred: string[] };

/**
 * Asks QuickSight to re-import the datasets into SPICE (CreateIngestion), each at most once per
 * interval across every concurrent job: the outputs table's `spice#<dataSetId>` record is claimed
 * with a conditional write first (core/catalog/spiceRefresh.ts explains the quota). With
 * `pendingOnly` it refreshes only the datasets a publish left pending (the sweep's trailing refresh).
 */
export async function refreshSpice(
  qs: QuickSightClient,
  outputs: OutputTable,
  o: { accountId: string; dataSetIds: readonly string[]; intervalMinutes: number; now?: number; pendingOnly?: boolean },
): Promise<RefreshOutcome> {
  const now = o.now ?? Date.now();
  const outcome: RefreshOutcome = { refreshed: [], deferred: [] };
  for (const id of o.dataSetIds) {
    if (!(await outputs.claimRefresh(id, now, refreshCutoff(now, o.intervalMinutes), { pendingOnly: o.pendingOnly }))) {
      if (!o.pendingOnly) outcome.deferred.push(id);
      continue;
    }
    await qs.send(new CreateIngestionCommand({ AwsAccountId: o.accountId, DataSetId: id, IngestionId: `etl-${now}-${randomUUID().slice(0, 8)}` }));
    outcome.refreshed.push(id);
  }
  return outcome;
}
