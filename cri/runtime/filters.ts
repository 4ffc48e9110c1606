/** True when every key of `selector` is in `labels` with the same value (kubelet's AND). */
export function matchesLabels(
  labels: Record<string, string>,
  selector?: Record<string, string>,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
