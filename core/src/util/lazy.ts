// Modules that load on first use, not at start-up: a command's start-up time is part of its latency
// (`lb run` → ready included), and a module an idle server never uses is memory it holds for nothing.
export function lazy<T>(load: () => T): () => T {
  let m: T | undefined;
  return () => (m ??= load());
}

/** YAML: manifests and output for the CLI; a server reads it only for a config file that is not JSON. */
export const yaml = lazy(() => require('yaml') as typeof import('yaml'));
