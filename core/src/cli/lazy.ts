// Heavy modules (zod schemas, yaml, tables) load on first use, not at start-up: the CLI's start-up
// time is part of every command's latency, `lb run` → ready included.
export function lazy<T>(load: () => T): () => T {
  let m: T | undefined;
  return () => (m ??= load());
}

export const sdk = lazy(() => require('@lastbackend/sdk') as typeof import('@lastbackend/sdk'));
export const yaml = lazy(() => require('yaml') as typeof import('yaml'));
/** The REST client: its wire decoders load the zod models (~300 ms), which `--help`, usage errors and completion never need. */
export const sdkClient = lazy(() => require('@lastbackend/sdk/client') as typeof import('@lastbackend/sdk/client'));
