import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * argon2 on threads of their own, at a lower CPU priority than the rest of the process.
 *
 * A hash holds a core for milliseconds on purpose. On the libuv pool, a login storm competes
 * with the event loop on equal terms, and token checks and user reads slow down with it. Here
 * the threads are `nice`d (Linux applies setpriority(0) to the calling thread): when cores are
 * scarce, logins wait and everything else keeps its speed.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const argon2 = require(workerData.argon2Path);
try { require("node:os").setPriority(0, workerData.niceness); } catch {}
parentPort.on("message", ({ id, operation, args }) => {
  try {
    const value = operation === "hash" ? argon2.hashSync(args[0], args[1]) : argon2.verifySync(args[0], args[1]);
    parentPort.postMessage({ id, value });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

/** How much lower than the event loop hashing runs (0 is normal, 19 the lowest). */
const NICENESS = 10;
/** A thread beyond the first that has had no hash to do this long exits. */
const SPARE_THREAD_IDLE_MS = 30_000;

type Operation = "hash" | "verify";
interface Job {
  id: number;
  operation: Operation;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}
interface Answer {
  id: number;
  value?: unknown;
  error?: string;
}

/**
 * Up to `size` threads, each a V8 isolate of its own (about 10-14 MB resident). One is started at
 * once; another only when a hash waits while every thread is busy, and each beyond the first exits
 * after SPARE_THREAD_IDLE_MS without work. A machine with many cores then holds one thread while
 * logins are few, not one per core for the life of the process.
 */
export class HashingThreads {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private nextId = 0;

  constructor(
    private readonly size: number,
    private readonly spareIdleMs = SPARE_THREAD_IDLE_MS,
  ) {
    this.idle.push(this.spawn());
  }

  /** Threads running now, idle or busy. */
  get threads(): number {
    return this.idle.length + this.busy.size;
  }

  run<T>(operation: Operation, args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        operation,
        args,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      clearTimeout(this.idleTimers.get(worker));
      this.idleTimers.delete(worker);
      const job = this.queue.shift() as Job;
      this.busy.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, operation: job.operation, args: job.args });
    }
    // A new thread takes a while to start: the waiting hash goes to whichever frees first.
    if (this.queue.length > 0 && this.threads < this.size) {
      const spare = this.spawn();
      this.idle.push(spare);
      this.retireWhenIdle(spare);
    }
  }

  /** A spare thread (not the last one) left idle exits once SPARE_THREAD_IDLE_MS pass without work. */
  private retireWhenIdle(worker: Worker): void {
    if (this.threads <= 1) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(worker);
      const index = this.idle.indexOf(worker);
      if (index < 0 || this.threads <= 1) return;
      this.idle.splice(index, 1);
      void worker.terminate();
    }, this.spareIdleMs);
    timer.unref();
    this.idleTimers.set(worker, timer);
  }

  private spawn(): Worker {
    const argon2Path = createRequire(import.meta.url).resolve("@node-rs/argon2");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { argon2Path, niceness: NICENESS } });
    // An idle hashing thread must not keep the process alive.
    worker.unref();
    worker.on("message", (answer: Answer) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (answer.error !== undefined) job?.reject(new Error(answer.error));
      else job?.resolve(answer.value);
      this.dispatch();
      if (this.idle.includes(worker)) this.retireWhenIdle(worker);
    });
    worker.on("error", (error) => this.replace(worker, error));
    worker.on("exit", (code) => this.replace(worker, new Error(`hashing thread exited with ${code}`)));
    return worker;
  }

  /** A thread that died fails its job, and another takes its place. */
  private replace(worker: Worker, error: Error): void {
    const job = this.busy.get(worker);
    const wasKnown = this.busy.delete(worker) || this.idle.includes(worker);
    if (!wasKnown) return;
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    job?.reject(error);
    this.idle.push(this.spawn());
    this.dispatch();
  }
}
