/** Requests in flight at once: S3 and DynamoDB serve many small requests far faster side by side than one by one. */
const CONCURRENCY = 8;

/**
 * Maps `items` through `work`, at most CONCURRENCY at a time, results in the items' order. After
 * a failure no further item starts, and the first error is thrown only once the items already
 * running have settled: a caller that then cleans up (a scratch folder, a retry of the step)
 * never races work still in flight.
 */
export async function inParallel<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i], i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) throw failure.reason;
  return results;
}
