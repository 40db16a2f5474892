// The parts of the API's wire objects the pages read (docs/openapi.json has them whole).
export interface Resources {
  cpu_millicores: number;
  ram_bytes: number;
  pods: number;
}
export interface NodeView {
  meta: { name: string; hostname: string };
  status: { phase: 'ready' | 'not-ready' | 'offline'; capacity: Resources; allocated: Resources };
}
export interface ServiceView {
  meta: { name: string; namespace: string };
  status: { state: string; message: string; replicas: { desired: number; ready: number } };
}
export interface NamespaceView {
  meta: { name: string };
  spec: { resources?: { limits?: Partial<Record<string, string>> } };
  status: { state: string; resources?: { used: Record<string, number> } };
}
export interface EventView {
  meta: { name: string; namespace?: string };
  object: { kind: string; namespace?: string; name: string };
  type: string;
  reason: string;
  message: string;
  count: number;
  last_seen: string;
}

export const mib = (bytes: number): string => `${Math.round(bytes / 1048576)} MiB`;
export const cores = (milli: number): string => `${(milli / 1000).toFixed(milli % 1000 ? 2 : 0)} CPU`;
