/** True when every key of `selector` is in `labels` with the same value (kubelet's AND). */
export function matchesLabels(
  labels: Record<string, string>,
  selector?: Record<string, string>,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The filter fields pod and container lists share. */
interface Filter {
  id: string;
  labelSelector: Record<string, string>;
  podSandboxId?: string;
}

/**
 * Whether a pod or container passes kubelet's filter: an ID prefix, a pod ID prefix (for
 * containers: `podId`), a label selector. No filter passes everything.
 */
export function matchesFilter(
  record: { id: string; labels: Record<string, string>; podId?: string },
  f?: Filter,
): boolean {
  return (!f?.id || record.id.startsWith(f.id)) &&
    (!f?.podSandboxId || (record.podId ?? "").startsWith(f.podSandboxId)) &&
    matchesLabels(record.labels, f?.labelSelector);
}
