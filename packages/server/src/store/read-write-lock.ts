/**
 * Many readers or one writer, within this process. Readers go first: a waiting writer lets
 * readers that arrive after it start too, until it has waited `patienceMs`; from then on new
 * readers queue behind it, so a steady stream of reads cannot hold it off forever.
 */
export class ReadWriteLock {
  private readers = 0;
  private writing = false;
  /** When the writer at the head of `writers` began to wait. */
  private writerWaitingSince = 0;
  private readonly writers: Array<() => void> = [];
  private readonly queuedReaders: Array<() => void> = [];

  constructor(private readonly patienceMs = 30_000) {}

  async read<T>(work: () => Promise<T>): Promise<T> {
    const writerOverdue = this.writers.length > 0 && Date.now() - this.writerWaitingSince >= this.patienceMs;
    if (this.writing || writerOverdue) await new Promise<void>((start) => this.queuedReaders.push(start));
    else this.readers++;
    try {
      return await work();
    } finally {
      this.readers--;
      this.next();
    }
  }

  async write<T>(work: () => Promise<T>): Promise<T> {
    if (this.writing || this.readers > 0 || this.writers.length > 0) {
      if (this.writers.length === 0) this.writerWaitingSince = Date.now();
      await new Promise<void>((start) => this.writers.push(start));
    } else {
      this.writing = true;
    }
    try {
      return await work();
    } finally {
      this.writing = false;
      this.next();
    }
  }

  /** Starts the next writer once no reader runs; otherwise, when no writer waits, the queued readers. */
  private next(): void {
    if (this.writing || this.readers > 0) return;
    const writer = this.writers.shift();
    if (writer) {
      this.writing = true;
      this.writerWaitingSince = Date.now();
      writer();
      return;
    }
    for (const start of this.queuedReaders.splice(0)) {
      this.readers++;
      start();
    }
  }
}
