// A node's drain as the API reports it (POST/GET /cluster/node/:node/drain): what is still on the node and
// why. The drain itself is level-triggered: the server marks the node's pods (spec.evict) and the
// controller starts each one's replacement, stopping the old pod once the replacement is ready.
import { z } from 'zod';

/**
 * moving: its replacement is being started elsewhere. stopping: replaced, the old pod is being stopped.
 * waiting: a task's pod, left to finish where it runs. blocked: it cannot move (the reason says why).
 */
export const DRAIN_POD_STATES = ['moving', 'stopping', 'waiting', 'blocked'] as const;

export const DrainPod = z
  .object({
    namespace: z.string(),
    name: z.string(),
    /** Its service, or "job/NAME" for a task's pod. */
    owner: z.string(),
    state: z.enum(DRAIN_POD_STATES),
    reason: z.string(),
    /** blocked and nothing but an operator's change can free it (a volume pinned to the node, a selector naming it). */
    permanent: z.boolean(),
  })
  .strict();
export type DrainPod = z.infer<typeof DrainPod>;

export const DrainReport = z
  .object({
    node: z.string(),
    cordoned: z.boolean(),
    /** No pod is left on the node. */
    done: z.boolean(),
    pods: z.array(DrainPod),
  })
  .strict();
export type DrainReport = z.infer<typeof DrainReport>;
