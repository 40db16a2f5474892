// A task's pod: the task's template (copied from the job when the task was made) with its env overrides,
// the job's default resources for containers that ask for none, and restart policy never (a task runs
// once per attempt; a retry is a new pod, made by the job controller).
import type { JobSpec, NamespaceResources, Namespace, ObjectMeta, Pod, PodTemplate, Task } from '@lastbackend/sdk';

type Requests = (t: PodTemplate, defaults?: NamespaceResources['defaults']) => { cpu: number; ram: number };

export function taskTemplate(t: Task, job: JobSpec | undefined): PodTemplate {
  const overrides = t.spec.env ?? [];
  return {
    ...t.spec.template,
    containers: t.spec.template.containers.map((c) => ({
      ...c,
      env: [...c.env.filter((e) => !overrides.some((o) => o.name === e.name)), ...overrides.map((o) => ({ name: o.name, value: o.value }))],
      restart: { policy: 'never' as const },
      ...(job?.resources && !c.resources?.limits && !c.resources?.requests ? { resources: job.resources } : {}),
    })),
  };
}

export function taskPod(t: Task, job: JobSpec | undefined, meta: ObjectMeta, ns: Namespace['spec'] | undefined, requests: Requests): Pod {
  const template = taskTemplate(t, job);
  return {
    kind: 'Pod',
    version: 'v1',
    meta: { ...meta, namespace: t.meta.namespace, service: '', deployment: '', node: '', task: t.meta.name, job: t.meta.job },
    spec: {
      template,
      ...(t.spec.selector ? { selector: t.spec.selector } : {}),
      destroy: false,
      resources: requests(template, ns?.resources?.defaults),
      ...(ns?.policy ? { policy: ns.policy } : {}),
    },
    status: { state: 'pending', running: false, message: '', network: { host_ip: '', pod_ip: '' }, containers: [] },
  };
}
