// The original Last.Backend let clients create, change and delete a service's deployments. Here a
// deployment is a version of its service's template and the controller is its only writer, so these
// requests become service updates (resources.ts) or are refused naming what to do instead.
import { invalid, parseOrThrow, type FieldError } from '@lastbackend/sdk';
import { z } from 'zod';

/** The original's DeploymentManifest: meta, and the service spec fields the deployment runs with. */
export const DeploymentRequest = z
  .object({
    meta: z
      .object({
        name: z.string().optional().describe('deployments are named v1, v2, … by the controller: leave it out, or (update) give the one in the path'),
        description: z.string().optional().describe('refused: a deployment has no description of its own here'),
        labels: z.record(z.string(), z.string()).optional().describe("refused: a deployment has no labels of its own here (its service's are used)"),
      })
      .strict()
      .optional(),
    spec: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("fields of the service's spec (replicas, selector, network, template) as in a Service manifest: a new template rolls out a new version, replicas scale"),
    // The original's DeploymentUpdateOptions (what its Go client, as the original CLI pins it, sends to update).
    // Go sends an unset pointer as null.
    replicas: z.number().int().min(0).nullish().describe("the original client's update: the same as spec.replicas"),
    status: z
      .object({ state: z.string().optional(), message: z.string().optional() })
      .nullish()
      .describe("the original client's update: ignored, a deployment's state is the controller's"),
  })
  .strict();
export type DeploymentRequest = z.output<typeof DeploymentRequest>;

/** Parses the request and refuses meta that has no place here; `path` is the deployment named in the URL (update). */
export function parseDeploymentRequest(body: unknown, path?: string): DeploymentRequest {
  const req = parseOrThrow(DeploymentRequest, body ?? {}, 'invalid deployment');
  const meta = req.meta ?? {};
  const errors: FieldError[] = [];
  if (meta.name !== undefined && meta.name !== path)
    errors.push({ field: 'meta.name', reason: path ? `is not "${path}", the deployment in the path` : 'deployments are named v1, v2, … by the controller: leave it out' });
  if (meta.description !== undefined) errors.push({ field: 'meta.description', reason: 'a deployment has no description of its own here: set it on the service' });
  if (meta.labels !== undefined) errors.push({ field: 'meta.labels', reason: 'a deployment has no labels of its own here: set them on the service' });
  if (req.replicas != null && req.spec.replicas !== undefined && req.spec.replicas !== req.replicas)
    errors.push({ field: 'replicas', reason: `is not spec.replicas (${String(req.spec.replicas)}): give one of them` });
  if (errors.length) throw invalid(errors, 'invalid deployment');
  return req.replicas == null ? req : { ...req, spec: { ...req.spec, replicas: req.replicas } };
}

/** What a deployment is to its service: the version that serves, the one rolling out, or an older one kept for rollback. */
export type DeploymentRole = 'active' | 'rolling-out' | 'superseded';

export function deploymentRole(name: string, active: string | undefined, versions: readonly { meta: { name: string }; spec: { version: number } }[]): DeploymentRole {
  if (name === active) return 'active';
  const latest = versions.reduce<(typeof versions)[number] | undefined>((a, d) => (!a || d.spec.version > a.spec.version ? d : a), undefined);
  return latest?.meta.name === name ? 'rolling-out' : 'superseded';
}
