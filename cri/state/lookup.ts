import type { ContainerRecord, CriStore, PodRecord } from "./cri_store.ts";
import { findByIdPrefix, getByIdPrefix } from "./ids.ts";

/** A pod by ID or unique prefix; NotFound when none. */
export const getPod = (store: CriStore, ref: string): PodRecord =>
  getByIdPrefix(store.pods(), ref, "pod sandbox", "pod_sandbox_id");

/** A pod by ID or unique prefix; undefined when none (removals of what is gone succeed). */
export const findPod = (store: CriStore, ref: string): PodRecord | undefined =>
  findByIdPrefix(store.pods(), ref, "pod sandbox", "pod_sandbox_id");

export const getContainer = (store: CriStore, ref: string): ContainerRecord =>
  getByIdPrefix(store.containers(), ref, "container", "container_id");

export const findContainer = (store: CriStore, ref: string): ContainerRecord | undefined =>
  findByIdPrefix(store.containers(), ref, "container", "container_id");
