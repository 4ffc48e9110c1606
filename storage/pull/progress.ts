/** Per-layer progress of one pull, as reported to clients. */
export interface LayerProgressState {
  digest: string;
  bytesDone: number;
  bytesTotal: number;
  phase: "waiting" | "downloading" | "cached" | "unpacking" | "done";
}

export interface PullProgress {
  phase: "resolving" | "downloading" | "unpacking" | "packing" | "done";
  layers: LayerProgressState[];
}

export type ProgressListener = (progress: PullProgress) => void;
