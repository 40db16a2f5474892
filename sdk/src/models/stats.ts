// Resource use as `lb top` shows it: per pod (its containers' CPU and memory, sampled by its node's agent
// from the runtime's stats) and per node (what its containers use beside what it offers and what its pods
// request). CPU is a rate in millicores over the agent's last two samples; memory is bytes in use now.
import { z } from 'zod';

export const ContainerUsageSchema = z
  .object({
    name: z.string(),
    cpu: z.number().min(0).describe('millicores, averaged over `window` seconds'),
    memory: z.number().min(0).describe('bytes in use (page cache excluded where the runtime can tell)'),
    memory_limit: z.number().min(0).optional().describe("the container's memory limit, or the host's memory when it has none"),
    cpu_seconds: z.number().min(0).describe('CPU time used since the container started'),
  })
  .strict();
export type ContainerUsage = z.infer<typeof ContainerUsageSchema>;

export const PodUsageSchema = z
  .object({
    namespace: z.string(),
    name: z.string(),
    service: z.string().optional(),
    node: z.string().optional().describe('absent while the pod is not placed'),
    time: z.string().optional().describe('when the sample was taken (ISO 8601)'),
    window: z.number().optional().describe('seconds the CPU rate is averaged over'),
    cpu: z.number().optional().describe("millicores: the sum of the pod's running containers"),
    memory: z.number().optional().describe("bytes: the sum of the pod's running containers"),
    containers: z.array(ContainerUsageSchema).describe('its running containers (one not running has no sample)'),
    message: z.string().optional().describe('why there is no sample (not placed yet, the node cannot be reached, …)'),
  })
  .strict();
export type PodUsage = z.infer<typeof PodUsageSchema>;

const Amount = (unit: string) =>
  z
    .object({
      used: z.number().optional().describe(`${unit} the node's containers use (absent when its agent cannot be asked)`),
      capacity: z.number().describe(`${unit} the node offers`),
      allocated: z.number().describe(`${unit} the pods placed on it request`),
    })
    .strict();

export const NodeUsageSchema = z
  .object({
    name: z.string(),
    state: z.enum(['ready', 'not-ready', 'offline']),
    time: z.string().optional().describe('when the sample was taken (ISO 8601)'),
    cpu: Amount('millicores'),
    memory: Amount('bytes'),
    pods: Amount('pods (used: pods with a running container)'),
    message: z.string().optional().describe('why there is no sample'),
  })
  .strict();
export type NodeUsage = z.infer<typeof NodeUsageSchema>;

/** What an agent answers for its pods (POST /stats on the agent): a sample of each running container. */
export const AgentPodStatsSchema = z
  .object({
    node: z.string(),
    time: z.string(),
    window: z.number(),
    pods: z
      .array(
        z
          .object({ namespace: z.string(), name: z.string(), containers: z.array(ContainerUsageSchema).max(64) })
          .strict(),
      )
      .max(10_000),
  })
  .strict();
export type AgentPodStats = z.infer<typeof AgentPodStatsSchema>;

/** Which pods an agent is asked about (absent: all of its pods). */
export const AgentStatsRequestSchema = z
  .object({ pods: z.array(z.object({ namespace: z.string().min(1), name: z.string().min(1) }).strict()).max(10_000).optional() })
  .strict();
export type AgentStatsRequest = z.infer<typeof AgentStatsRequestSchema>;
