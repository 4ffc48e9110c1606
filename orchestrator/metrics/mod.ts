/** The metrics endpoint: the tree from protect-daemon and the daemons' health, served as Prometheus text. */
export { type DaemonHealth, hostFamilies } from "./host_families.ts";
export { metricsCollector } from "./metrics_collector.ts";
export { metricsHandler, type MetricsServer, serveMetrics } from "./metrics_server.ts";
export {
  type MetricFamily,
  PROMETHEUS_CONTENT_TYPE,
  prometheusText,
  type Sample,
} from "./prometheus_text.ts";
