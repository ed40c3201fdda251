// Runs an async function over items with at most `limit` calls at a time, so that reading a module with hundreds
// of versions (the dashboard's details, the index feed's check of what is stored) does not open hundreds of files
// or S3 requests at once; results keep the items' order.
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
