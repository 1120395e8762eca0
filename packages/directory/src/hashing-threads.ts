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

export class HashingThreads {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
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
      const job = this.queue.shift() as Job;
      this.busy.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, operation: job.operation, args: job.args });
    }
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
