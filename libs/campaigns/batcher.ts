/**
 * Coalesces concurrent calls into batches, so that many jobs running at once share one database
 * round trip instead of making one each. A call starts a batch at once when fewer than
 * `maxConcurrent` batches are running; otherwise it waits and goes with the others that arrived
 * meanwhile. A lone call therefore waits for nothing, and under load the batches grow by themselves.
 *
 * `run` answers every item in order: a value, or an Error for that item alone. If `run` throws,
 * every item of the batch gets that error.
 */
export class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly opts: { maxBatch: number; maxConcurrent: number },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.opts.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.running++;
      void this.runBatch(batch).finally(() => {
        this.running--;
        this.drain();
      });
    }
  }

  private async runBatch(batch: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]): Promise<void> {
    let results: (O | Error)[];
    try {
      results = await this.run(batch.map((b) => b.item));
      if (results.length !== batch.length)
        throw new Error(`batch answered ${results.length} results for ${batch.length} items`);
    } catch (e) {
      for (const b of batch) b.reject(e);
      return;
    }
    batch.forEach((b, i) => {
      const r = results[i]!;
      if (r instanceof Error) b.reject(r);
      else b.resolve(r);
    });
  }
}
