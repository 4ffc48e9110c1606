/** Async plumbing shared by the programs. */
export { RequestQueue } from "./request_queue.ts";
export { sleep } from "./sleep.ts";
