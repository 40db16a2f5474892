// The original's PUT /cluster/node/{node}/meta: an admin sets a node's description and labels (the
// whole set, as the original did). Its host facts (hostname, OS, addresses) are what the node's agent
// reports here, so setting them is refused; a Go client sends them as null when unset.
import { invalid, labels, parseOrThrow, type FieldError } from '@lastbackend/sdk';
import { z } from 'zod';

const REPORTED = {
  hostname: 'status.hostname',
  architecture: 'status.arch',
  os_name: 'status.os',
  os_type: 'status.os',
  external_ip: 'status.addresses',
  internal_ip: 'status.addresses',
  cidr: 'spec.network.subnet',
} as const;

const reported = (where: string) => z.string().nullable().optional().describe(`refused: the node's agent reports it (${where})`);

export const NodeMetaRequest = z
  .object({
    meta: z
      .object({
        description: z.string().max(1024).nullable().optional(),
        labels: labels().nullable().optional().describe("the node's labels, all of them (null: unchanged)"),
        ...(Object.fromEntries(Object.entries(REPORTED).map(([k, where]) => [k, reported(where)])) as Record<keyof typeof REPORTED, ReturnType<typeof reported>>),
      })
      .strict(),
  })
  .strict();

export interface NodeMetaChange {
  description?: string;
  labels?: Record<string, string>;
}

/** What to change; null or absent fields stay as they are. */
export function parseNodeMeta(body: unknown): NodeMetaChange {
  const { meta } = parseOrThrow(NodeMetaRequest, body, 'invalid node meta');
  const errors: FieldError[] = [];
  for (const [k, where] of Object.entries(REPORTED)) {
    if (meta[k as keyof typeof REPORTED] != null) errors.push({ field: `meta.${k}`, reason: `is reported by the node's agent (${where}) and cannot be set` });
  }
  if (errors.length) throw invalid(errors, 'invalid node meta');
  return { ...(meta.description != null ? { description: meta.description } : {}), ...(meta.labels != null ? { labels: meta.labels } : {}) };
}
