// What users may change, checked and written in one transaction each: the API's domain layer.
// Every function validates everything before it writes anything, so a rejected request stores nothing.
import {
  LbError,
  rollingBounds,
  Manifests,
  manifestKindProblem,
  NamespaceManifest,
  RollbackRequest,
  ServiceManifest,
  ServiceSpec,
  ServiceUpdate,
  invalid,
  notFound,
  parseOrThrow,
  type AnyManifest,
  type ApplyResult,
  type Deployment,
  type ManifestKind,
  type Namespace,
  type NamespaceResources,
  type NamespacedKind,
  type Volume,
  type Secret,
  type Service,
  type ServiceStatus,
  type Task,
  TASK_FINISHED,
  type SchemaLike,
  ipv4,
} from '@lastbackend/sdk';
import { keys, PREFIX } from '../store/keys';
import { newMeta, touch } from '../store/meta';
import type { Store, Txn } from '../store/store';
import { ApplyMapRequest, applyStatus, manifestsOfApplyMap, type ApplyStatus, type MapEntry } from './apply-map';
import { deploymentRole, parseDeploymentRequest, type DeploymentRole } from './deployment-requests';
import { stableStringify } from './hash';
import { currentVersion, newDeployment, nextVersion, versionHash } from './versions';
import { account, quotaProblems, type Loads } from './quota';
import type { SecretBox } from './secret-box';
import type { SecretKeyRotated, SecretKeyRotation } from './secret-key-rotation';
import { assertPolicy, policyOf, policyViolations } from './pod-security';
import { cycleReason, findCycle, type DependencyNode } from '../controller/depends-on';

export type NamespacedObject = { kind: string; version: 'v1'; meta: { namespace: string } & Namespace['meta']; spec: unknown; status: unknown };

/**
 * A service as stored. status.replicas is the controller's alone (one writer per field): it is absent
 * until the controller has run, and the API never writes it.
 */
export type StoredService = Omit<Service, 'status'> & { status: Omit<ServiceStatus, 'replicas'> & Partial<Pick<ServiceStatus, 'replicas'>> };

/**
 * A service as the API answers it: desired replicas are the spec's (what the controller writes too, the
 * next time it runs), ready ones the controller's last count (none before it has run).
 */
export function withReplicas(s: StoredService): Service {
  return { ...s, status: { ...s.status, replicas: { desired: s.spec.replicas, ready: s.status.replicas?.ready ?? 0 } } };
}

/** What a Namespace manifest sets that only admins may set. */
const adminFields = (m: NamespaceManifest): string[] => (['policy', 'egress'] as const).filter((f) => m.spec[f] !== undefined).map((f) => `spec.${f}`);

const KIND_OF: Record<NamespacedKind, ManifestKind> = { secret: 'Secret', config: 'Config', volume: 'Volume', route: 'Route', job: 'Job' };

/**
 * Checks, before anything is written, that the caller may apply a manifest: a Namespace (by its name),
 * or an object into the namespace it lands in. Throws to refuse the whole apply.
 */
export type ApplyGuard = (
  target:
    | {
        kind: 'Namespace';
        name: string;
        /** The fields only admins set that the manifest sets (spec.policy, spec.egress): a refusal names them. */
        adminFields?: string[];
      }
    | { kind: Exclude<ManifestKind, 'Namespace'>; namespace: string },
) => void;

export class Resources {
  constructor(
    private readonly store: Store,
    /** Seals secret values at rest. */
    private readonly box: SecretBox,
    /** Service VIPs come from here. */
    private readonly serviceCidr = '10.211.0.0/16',
    /** The quota of a namespace written without spec.resources (server config quota.default, --default-quota). */
    private readonly defaultQuota?: NamespaceResources,
  ) {}

  /** `lb secret-key rotate`: set when the key lives in the data dir (store.module.ts). */
  keyRotation?: SecretKeyRotation;
  /** Why this server cannot rotate its secret key online (store.module.ts). */
  keyRotationRefused?: string;

  /** Re-seals every secret under a new key, online (secret-key-rotation.ts). */
  rotateSecretKey(): Promise<SecretKeyRotated> {
    if (!this.keyRotation)
      throw new LbError('FAILED_PRECONDITION', `cannot rotate the secret key online: ${this.keyRotationRefused ?? 'no key rotation on this server'}`, {
        fix: 'online rotation is for a single server with the key in its data dir, over TLS',
      });
    return this.keyRotation.rotate();
  }

  // ---------------------------------------------------------------- quotas
  /**
   * Runs fn in one store transaction and refuses all of it when it would take one of `namespaces` over its
   * quota. The check runs after fn's writes (the txn sees them) and before the commit, against what the
   * txn saw before them: the store serialises transactions (level runs one at a time against the writes
   * accepted before it, synced or not; etcd retries one whose view another commit changed), so two changes
   * that each fit alone cannot both commit when together they do not. A namespace without limits costs one
   * read; one given limits by fn itself is measured against the committed state.
   */
  private withinQuota<R>(namespaces: readonly string[], fn: (tx: Txn) => Promise<R>): Promise<R> {
    return this.store.txn(async (tx) => {
      const before = new Map<string, Loads>();
      for (const ns of new Set(namespaces))
        if ((await tx.get<Namespace>(keys.namespace(ns)))?.spec.resources?.limits) before.set(ns, await this.loads(tx, ns));
      const result = await fn(tx);
      for (const ns of new Set(namespaces)) {
        const quota = (await tx.get<Namespace>(keys.namespace(ns)))?.spec.resources;
        if (!quota?.limits) continue;
        const [b, a] = [before.get(ns) ?? (await this.loads(this.store, ns)), await this.loads(tx, ns)];
        const problems = quotaProblems(ns, quota, account(b.services, b.volumes, quota), account(a.services, a.volumes, quota));
        if (problems.length)
          throw new LbError('FAILED_PRECONDITION', problems.join('; '), {
            fix: `lower what you ask for, or ask an admin to raise namespace "${ns}"'s spec.resources.limits (\`lb get namespace ${ns}\` shows used/limit)`,
          });
      }
      return result;
    });
  }

  /** Runs fn (a new task of a job: jobs/tasks.ts) in one transaction refused when it takes the namespace over its quota. */
  withinNamespaceQuota<R>(ns: string, fn: (tx: Txn) => Promise<R>): Promise<R> {
    return this.withinQuota([ns], fn);
  }

  /** The services (with the version a rollout replaces), unfinished tasks and volumes of a namespace, as its quota counts them. */
  private async loads(tx: Pick<Txn, 'get' | 'list'>, ns: string): Promise<Loads> {
    const services: Loads['services'] = [];
    for (const s of await tx.list<StoredService>(keys.service(ns))) {
      // A service being deleted is on its way out: its pods are stopping, and it no longer counts.
      if (s.status.state === 'destroying') continue;
      const active = s.status.deployment ? await tx.get<Deployment>(keys.deployment(ns, s.meta.name, s.status.deployment)) : undefined;
      const rolling = active !== undefined && active.spec.hash !== versionHash(s.spec);
      const surge = rollingBounds(s.spec.strategy, s.spec.replicas)?.surge;
      services.push({ name: s.meta.name, replicas: s.spec.replicas, template: s.spec.template, ...(rolling ? { previous: active.spec.template } : {}), ...(surge !== undefined ? { surge } : {}) });
    }
    // A task that has not ended runs (or will run) one pod: it counts as a service's pod does.
    for (const t of await tx.list<Task>(keys.task(ns))) {
      if (!TASK_FINISHED.has(t.status.state)) services.push({ name: `task/${t.meta.name}`, replicas: 1, template: t.spec.template, task: true });
    }
    const volumes = (await tx.list<Volume>(keys.object('volume', ns))).map((v) => ({ name: v.meta.name, storage: v.spec.capacity?.storage }));
    return { services, volumes };
  }

  /** The namespace with what it uses of its quota (status.resources.used), computed now. */
  /** A stored namespace as the API shows it: with what its objects use (watches show each change so). */
  namespaceView(n: Namespace): Promise<Namespace> {
    return this.withUsage(n);
  }

  private async withUsage(n: Namespace): Promise<Namespace> {
    const l = await this.loads(this.store, n.meta.name);
    return { ...n, status: { ...n.status, resources: { used: account(l.services, l.volumes, n.spec.resources).used } } };
  }

  private revealed<T extends NamespacedObject>(o: T): T {
    const s = o as unknown as Secret;
    return { ...o, spec: { ...s.spec, data: this.box.openAll(s.spec.data) } } as T;
  }

  /** A secret's or config's values in clear, for the agents of nodes whose pods use them. */
  async reveal(kind: 'secret' | 'config', ns: string, name: string): Promise<Record<string, string>> {
    const o = await this.store.get<NamespacedObject>(keys.object(kind, ns, name));
    if (!o) throw notFound(`${kind} "${name}" in namespace "${ns}"`);
    const data = (o.spec as { data: Record<string, string> }).data;
    return kind === 'secret' ? this.box.openAll(data) : data;
  }

  // ---------------------------------------------------------------- namespaces
  async listNamespaces(): Promise<Namespace[]> {
    return Promise.all((await this.store.list<Namespace>(keys.namespace())).map((n) => this.withUsage(n)));
  }

  async getNamespace(ns: string): Promise<Namespace> {
    const n = await this.store.get<Namespace>(keys.namespace(ns));
    if (!n) throw notFound(`namespace "${ns}"`);
    return this.withUsage(n);
  }

  createNamespace(body: unknown): Promise<Namespace> {
    const m = parseOrThrow(NamespaceManifest, withKind(body, 'Namespace'), 'invalid namespace');
    return this.store.txn(async (tx) => {
      if (await tx.get(keys.namespace(m.meta.name))) throw new LbError('ALREADY_EXISTS', `namespace "${m.meta.name}" already exists`);
      return this.upsertNamespace(tx, m).then((r) => r.object);
    });
  }

  updateNamespace(ns: string, body: unknown): Promise<Namespace> {
    const m = parseOrThrow(NamespaceManifest, withKind(body, 'Namespace'), 'invalid namespace');
    if (m.meta.name !== ns) throw invalid([{ field: 'meta.name', reason: `must be "${ns}", the namespace in the path` }]);
    return this.store.txn(async (tx) => {
      const prev = await this.requireNamespace(tx, ns);
      // An update that does not send a policy keeps the one set (the original's clients know none): a quota
      // edit never loosens a restricted namespace. Apply stays declarative: no policy there is baseline.
      // spec.egress (admins' too) is kept the same way: a quota edit does not drop where jobs may call.
      const sent = (body as { spec?: { policy?: unknown; egress?: unknown } } | null)?.spec;
      const keep = {
        ...(sent?.policy === undefined && prev.spec.policy ? { policy: prev.spec.policy } : {}),
        ...(sent?.egress === undefined && prev.spec.egress ? { egress: prev.spec.egress } : {}),
      };
      const kept = Object.keys(keep).length ? { ...m, spec: { ...m.spec, ...keep } } : m;
      return (await this.upsertNamespace(tx, kept)).object;
    });
  }

  /** Marks the namespace and its services for deletion; the controller removes them and then the namespace. */
  deleteNamespace(ns: string): Promise<void> {
    return this.store.txn(async (tx) => {
      const n = await this.requireNamespace(tx, ns);
      n.status.state = 'destroying';
      tx.put(keys.namespace(ns), touch(n));
      for (const s of await tx.list<StoredService>(keys.service(ns))) this.markServiceDestroying(tx, s);
      for (const kind of Object.keys(KIND_OF) as NamespacedKind[]) {
        for (const o of await tx.list<NamespacedObject>(keys.object(kind, ns))) tx.del(keys.object(kind, ns, o.meta.name));
      }
    });
  }

  private async requireNamespace(tx: Txn, ns: string): Promise<Namespace> {
    const n = await tx.get<Namespace>(keys.namespace(ns));
    if (!n) throw new LbError('NOT_FOUND', `namespace "${ns}" not found`, { fix: `create it with a Namespace manifest or \`lb apply\`` });
    if (n.status.state === 'destroying') throw new LbError('FAILED_PRECONDITION', `namespace "${ns}" is being deleted`);
    return n;
  }

  private async upsertNamespace(tx: Txn, given: NamespaceManifest): Promise<{ object: Namespace; action: ApplyResult['action'] }> {
    const m = { ...given, spec: withDefaultQuota(given.spec, this.defaultQuota) };
    const key = keys.namespace(m.meta.name);
    const prev = await tx.get<Namespace>(key);
    if (prev?.status.state === 'destroying') throw new LbError('FAILED_PRECONDITION', `namespace "${m.meta.name}" is being deleted`);
    if (prev && sameUserFields(prev, m)) return { object: prev, action: 'unchanged' };
    if (prev) await this.assertServicesAllowed(tx, m.meta.name, policyOf(m.spec));
    const object: Namespace = prev
      ? touch({ ...prev, meta: { ...prev.meta, labels: m.meta.labels ?? {}, description: m.meta.description }, spec: m.spec })
      : { kind: 'Namespace', version: 'v1', meta: newMeta(m.meta), spec: m.spec, status: { state: 'ready' } };
    tx.put(key, object);
    return { object, action: prev ? 'updated' : 'created' };
  }

  /**
   * A namespace's policy changes only to one its services keep to: a stricter policy while services ask for
   * more is refused, naming them (pods already running were made under the old one; nothing is stopped).
   */
  private async assertServicesAllowed(tx: Txn, ns: string, policy: ReturnType<typeof policyOf>): Promise<void> {
    const violating = (await tx.list<StoredService>(keys.service(ns))).filter(
      (s) => s.status.state !== 'destroying' && policyViolations(s.spec.template, policy).length > 0,
    );
    if (!violating.length) return;
    const names = violating.map((s) => `"${s.meta.name}"`).join(', ');
    throw new LbError('FAILED_PRECONDITION', `namespace "${ns}" cannot take policy "${policy}": service ${names} ask${violating.length === 1 ? 's' : ''} for more than it allows`, {
      fields: [{ field: 'spec.policy', reason: `services ${names} do not keep to "${policy}"` }],
      fix: 'change or delete those services first',
    });
  }

  /** Refuses a template the namespace's policy does not allow (pod-security.ts). */
  private async assertTemplateAllowed(tx: Txn, ns: string, template: StoredService['spec']['template'], prefix?: string): Promise<void> {
    assertPolicy(template, policyOf((await tx.get<Namespace>(keys.namespace(ns)))?.spec), ns, prefix);
  }

  // ---------------------------------------------------------------- services
  async listServices(ns: string): Promise<Service[]> {
    return (await this.store.list<StoredService>(keys.service(ns))).map(withReplicas);
  }

  async getService(ns: string, name: string): Promise<Service> {
    const s = await this.store.get<StoredService>(keys.service(ns, name));
    if (!s) throw notFound(`service "${name}" in namespace "${ns}"`);
    return withReplicas(s);
  }

  createService(ns: string, body: unknown): Promise<Service> {
    const m = parseOrThrow(ServiceManifest, withKind(body, 'Service'), 'invalid service');
    checkNamespaceField(m, ns, '');
    return this.withinQuota([ns], async (tx) => {
      await this.requireNamespace(tx, ns);
      if (await tx.get(keys.service(ns, m.meta.name)))
        throw new LbError('ALREADY_EXISTS', `service "${m.meta.name}" already exists in namespace "${ns}"`, {
          fix: 'use `lb apply` to update it',
        });
      const r = await this.upsertService(tx, ns, m);
      await this.assertNoDependencyCycle(tx, [{ namespace: ns, name: m.meta.name, path: '' }], 'invalid service');
      return withReplicas(r.object);
    });
  }

  updateService(ns: string, name: string, body: unknown): Promise<Service> {
    const u = parseOrThrow(ServiceUpdate, body, 'invalid service update');
    return this.withinQuota([ns], async (tx) => withReplicas(await this.updateServiceIn(tx, await this.requireService(tx, ns, name), u, body)));
  }

  private async updateServiceIn(tx: Txn, s: StoredService, u: ServiceUpdate, body: unknown): Promise<StoredService> {
    const { namespace: ns, name } = s.meta;
    // Merge only the fields the caller sent: the parsed update carries schema defaults for the rest.
    const sent = (body as { spec?: Record<string, unknown> }).spec ?? {};
    const spec = parseOrThrow(ServiceSpec, { ...s.spec, ...sent }, 'invalid service update', ['spec']);
    if (u.meta?.name !== undefined && u.meta.name !== name) throw invalid([{ field: 'meta.name', reason: 'cannot be changed' }]);
    const meta = { ...s.meta, ...(u.meta?.labels ? { labels: u.meta.labels } : {}), ...(u.meta?.description !== undefined ? { description: u.meta.description } : {}) };
    await this.assertTemplateAllowed(tx, ns, spec.template);
    const next: StoredService = touch({ ...s, meta, spec });
    next.status.network.ports = spec.network?.ports ?? [];
    await this.assignVip(tx, next);
    tx.put(keys.service(ns, name), next);
    await this.assertNoDependencyCycle(tx, [{ namespace: ns, name, path: '' }], 'invalid service update');
    return next;
  }

  deleteService(ns: string, name: string): Promise<void> {
    return this.store.txn(async (tx) => {
      const s = await tx.get<Service>(keys.service(ns, name));
      if (!s) throw notFound(`service "${name}" in namespace "${ns}"`);
      this.markServiceDestroying(tx, s);
    });
  }

  /** Brings an earlier deployment's template back as a new version. Default: the one before the active. */
  rollback(ns: string, name: string, body: unknown): Promise<Service> {
    const req = parseOrThrow(RollbackRequest, body ?? {}, 'invalid rollback');
    const to = typeof req.to === 'string' ? Number(req.to.slice(1)) : req.to;
    return this.withinQuota([ns], async (tx) => {
      const s = await this.requireService(tx, ns, name);
      const deps = (await tx.list<Deployment>(keys.deployment(ns, name))).sort((a, b) => a.spec.version - b.spec.version);
      const active = deps.find((d) => d.meta.name === s.status.deployment);
      const target =
        to !== undefined
          ? deps.find((d) => d.spec.version === to)
          : [...deps].reverse().find((d) => d.spec.version < (active?.spec.version ?? Infinity) && d !== active);
      if (!target) {
        const kept = deps.map((d) => d.meta.name).join(', ') || 'none';
        throw new LbError('NOT_FOUND', to !== undefined ? `deployment v${to} of service "${name}" is not kept (kept: ${kept})` : `service "${name}" has no earlier version to roll back to (kept: ${kept})`);
      }
      await this.assertTemplateAllowed(tx, ns, target.spec.template);
      const next: StoredService = touch({ ...s, spec: { ...s.spec, template: target.spec.template, selector: target.spec.selector } });
      tx.put(keys.service(ns, name), next);
      return withReplicas(next);
    });
  }

  // ---------------------------------------------------------------- deployments (the original's writes)
  /**
   * The original's "create a deployment": a new template for the service, which the controller (the
   * only writer of deployments) rolls out as the next version. Answers that version as the controller
   * will make it (not stored yet), or the latest one when the template is already its.
   */
  createDeployment(ns: string, name: string, body: unknown): Promise<Deployment> {
    const req = parseDeploymentRequest(body);
    if (req.spec.template === undefined)
      throw invalid([{ field: 'spec.template', reason: 'a new deployment is a new template: give one (to scale, PUT the active deployment or `lb scale`)' }], 'invalid deployment');
    const update = { spec: req.spec };
    const u = parseOrThrow(ServiceUpdate, update, 'invalid deployment');
    return this.withinQuota([ns], async (tx) => this.versionAfter(tx, await this.updateServiceIn(tx, await this.requireService(tx, ns, name), u, update)));
  }

  /**
   * The deployment a service update leads to, by the controller's rules (versions.ts, currentVersion): the
   * stored one the template runs as, at the service's replicas; else the next version as the controller
   * will make it (not stored yet).
   */
  private async versionAfter(tx: Txn, s: StoredService): Promise<Deployment> {
    const deps = (await tx.list<Deployment>(keys.deployment(s.meta.namespace, s.meta.name))).sort((a, b) => a.spec.version - b.spec.version);
    const latest = deps.at(-1);
    const hash = versionHash(s.spec);
    const current = currentVersion(deps, deps.find((d) => d.meta.name === s.status.deployment), hash);
    if (current) return { ...current, spec: { ...current.spec, replicas: s.spec.replicas } };
    const pending = newDeployment(withReplicas(s), nextVersion(s.status.generation, latest), hash);
    pending.status.message = 'accepted: the controller creates it and rolls it out';
    return pending;
  }

  /**
   * The original's "update a deployment": replicas scale the service, a template rolls out a new
   * version (answered as createDeployment does). Only the active version and the one rolling out run
   * the service's replicas; an older one is brought back by a rollback.
   */
  updateDeployment(ns: string, name: string, d: string, body: unknown): Promise<Deployment> {
    const update = { spec: parseDeploymentRequest(body, d).spec };
    const u = parseOrThrow(ServiceUpdate, update, 'invalid deployment');
    return this.withinQuota([ns], async (tx) => {
      const s = await this.requireService(tx, ns, name);
      const { dep, role } = await this.deploymentOf(tx, s, d);
      if (role === 'superseded')
        throw new LbError('CONFLICT', `deployment "${d}" of service "${name}" is superseded: it runs no pods and is kept for rollback`, {
          fix: `bring its template back as a new version with \`lb rollback ${name} --to ${d}\` (POST /namespace/${ns}/service/${name}/rollback)`,
        });
      const next = await this.updateServiceIn(tx, s, u, update);
      // The active and the rolling-out version run the service's replicas; a new template is a new version.
      return dep.spec.hash === versionHash(next.spec) ? { ...dep, spec: { ...dep.spec, replicas: next.spec.replicas } } : this.versionAfter(tx, next);
    });
  }

  /** The original's "delete a deployment": the controller removes versions; this says how to make it. */
  deleteDeployment(ns: string, name: string, d: string): Promise<never> {
    return this.store.txn(async (tx) => {
      const s = await this.requireService(tx, ns, name);
      const { role } = await this.deploymentOf(tx, s, d);
      if (role !== 'superseded')
        throw new LbError('CONFLICT', `deployment "${d}" is the version service "${name}" ${role === 'active' ? 'serves' : 'is rolling out'}: the controller removes it once another version replaces it`, {
          fix: `roll out another version (\`lb apply\`, \`lb rollback ${name}\`), or delete the service with \`lb delete service ${name}\``,
        });
      throw new LbError('NOT_IMPLEMENTED', `deployment "${d}" of service "${name}" is superseded and kept for \`lb rollback\`: the controller, the only writer of deployments, drops the oldest beyond controller.history`, {
        fix: 'lower controller.history in the server config to keep fewer versions',
      });
    });
  }

  private async deploymentOf(tx: Txn, s: StoredService, d: string): Promise<{ dep: Deployment; role: DeploymentRole }> {
    const { namespace: ns, name } = s.meta;
    const dep = await tx.get<Deployment>(keys.deployment(ns, name, d));
    if (!dep) throw notFound(`deployment "${d}" of service "${name}" in namespace "${ns}"`);
    return { dep, role: deploymentRole(d, s.status.deployment, await tx.list<Deployment>(keys.deployment(ns, name))) };
  }

  private async requireService(tx: Txn, ns: string, name: string): Promise<StoredService> {
    const s = await tx.get<StoredService>(keys.service(ns, name));
    if (!s) throw notFound(`service "${name}" in namespace "${ns}"`);
    if (s.status.state === 'destroying') throw new LbError('FAILED_PRECONDITION', `service "${name}" is being deleted`);
    return s;
  }

  /**
   * A service with ports keeps one stable VIP from the service CIDR; without ports it has none. An
   * address is free again once no service holds it (a deleted service's goes with its object).
   */
  private async assignVip(tx: Txn, s: StoredService): Promise<void> {
    const wants = (s.spec.network?.ports ?? []).length > 0;
    if (!wants) {
      delete s.status.network.ip;
      return;
    }
    if (s.status.network.ip) return;
    const taken = new Set((await tx.list<StoredService>(PREFIX.services)).map((x) => x.status.network.ip).filter(Boolean));
    const cidr = ipv4.parseCidr(this.serviceCidr);
    // .0 is the network; .1 is left for a future cluster DNS VIP; the last is the broadcast.
    for (let i = 2; i < ipv4.size(cidr) - 1; i++) {
      const ip = ipv4.formatIp(ipv4.nth(cidr, i));
      if (!taken.has(ip)) {
        s.status.network.ip = ip;
        return;
      }
    }
    throw new LbError('FAILED_PRECONDITION', `no free address left in service_cidr ${this.serviceCidr}`, { fix: 'delete services you no longer need, or use a larger service_cidr' });
  }

  /**
   * Refuses a write that closes a dependency cycle (spec.depends_on), naming it: checked after the writes, in
   * the same transaction, over the namespace's services as they would be (those written with the rest). A
   * service being deleted is left out: it will not be there to wait for.
   */
  private async assertNoDependencyCycle(tx: Txn, written: readonly { namespace: string; name: string; path: string }[], prefix: string): Promise<void> {
    const byNs = new Map<string, DependencyNode[]>();
    for (const w of written) {
      if (!(await tx.get<StoredService>(keys.service(w.namespace, w.name)))?.spec.depends_on?.length) continue;
      let nodes = byNs.get(w.namespace);
      if (!nodes) {
        const all = await tx.list<StoredService>(keys.service(w.namespace));
        nodes = all.filter((s) => s.status.state !== 'destroying').map((s) => ({ name: s.meta.name, depends_on: s.spec.depends_on }));
        byNs.set(w.namespace, nodes);
      }
      const cycle = findCycle(nodes, w.name);
      if (cycle) throw invalid([{ field: `${w.path}spec.depends_on`, reason: cycleReason(cycle) }], prefix);
    }
  }

  private markServiceDestroying(tx: Txn, s: StoredService): void {
    if (s.status.state === 'destroying') return;
    s.status.state = 'destroying';
    s.status.message = 'deleting';
    tx.put(keys.service(s.meta.namespace, s.meta.name), touch(s));
  }

  private async upsertService(tx: Txn, ns: string, m: ServiceManifest, path = ''): Promise<{ object: StoredService; action: ApplyResult['action'] }> {
    const key = keys.service(ns, m.meta.name);
    const prev = await tx.get<StoredService>(key);
    if (prev?.status.state === 'destroying') throw new LbError('FAILED_PRECONDITION', `service "${m.meta.name}" is being deleted; apply again once it is gone`);
    if (prev && sameUserFields(prev, m)) return { object: prev, action: 'unchanged' };
    await this.assertTemplateAllowed(tx, ns, m.spec.template, `${path}spec.template`);
    const ports = m.spec.network?.ports ?? [];
    const object: StoredService = prev
      ? touch({ ...prev, meta: { ...prev.meta, labels: m.meta.labels ?? {}, description: m.meta.description }, spec: m.spec })
      : {
          kind: 'Service',
          version: 'v1',
          meta: { ...newMeta(m.meta), namespace: ns },
          spec: m.spec,
          status: { state: 'provisioning', message: '', generation: 0, network: { ports } },
        };
    object.status.network.ports = ports;
    await this.assignVip(tx, object);
    tx.put(key, object);
    return { object, action: prev ? 'updated' : 'created' };
  }

  // ---------------------------------------------------------------- apply

  /** Validates every manifest, then writes them all in one transaction: all or nothing. */
  apply(ns: string, body: unknown, guard?: ApplyGuard): Promise<ApplyResult[]> {
    const list = (body as { manifests?: unknown })?.manifests;
    if (!Array.isArray(list) || list.length === 0) throw invalid([{ field: 'manifests', reason: 'must be a non-empty array of manifests' }]);
    if (list.length > 1000) throw invalid([{ field: 'manifests', reason: 'at most 1000 manifests per apply' }]);
    return this.applyAll(
      ns,
      list.map((raw, i) => ({ path: `manifests.${i}`, raw })),
      guard,
    );
  }

  /**
   * The original's apply: manifests in maps by kind and name (apply-map.ts), applied as `apply` does;
   * answered with the original's status maps and this project's results.
   */
  async applyMap(ns: string, body: unknown, guard?: ApplyGuard): Promise<ApplyStatus> {
    const entries = manifestsOfApplyMap(parseOrThrow(ApplyMapRequest, body ?? {}, 'invalid manifest'));
    return applyStatus(await this.applyAll(ns, entries, guard));
  }

  private applyAll(ns: string, entries: MapEntry[], guard?: ApplyGuard): Promise<ApplyResult[]> {
    const manifests = entries.map((e) => parseManifest(e.raw, e.path));
    manifests.forEach((m, i) => {
      if (m.kind !== 'Namespace') checkNamespaceField(m, ns, `${entries[i].path}.`);
      guard?.(m.kind === 'Namespace' ? { kind: 'Namespace', name: m.meta.name, adminFields: adminFields(m) } : { kind: m.kind, namespace: m.meta.namespace ?? ns });
    });
    const seen = new Set<string>();
    manifests.forEach((m, i) => {
      const id = `${m.kind}/${m.meta.name}`;
      if (seen.has(id)) throw invalid([{ field: `${entries[i].path}.meta.name`, reason: `${m.kind} "${m.meta.name}" appears twice` }]);
      seen.add(id);
    });
    const targets = manifests.map((m) => (m.kind === 'Namespace' ? m.meta.name : (m.meta.namespace ?? ns)));
    return this.withinQuota(targets, async (tx) => {
      const results: ApplyResult[] = [];
      // Namespaces first, so services in the same file can land in them.
      for (const m of manifests.filter((x) => x.kind === 'Namespace') as NamespaceManifest[]) {
        const r = await this.upsertNamespace(tx, m);
        results.push({ kind: 'Namespace', name: m.meta.name, action: r.action });
      }
      for (const [i, m] of manifests.entries()) {
        if (m.kind === 'Namespace') continue;
        const target = m.meta.namespace ?? ns;
        await this.requireNamespace(tx, target);
        const r = m.kind === 'Service' ? await this.upsertService(tx, target, m, `${entries[i].path}.`) : await this.upsertObject(tx, kindPath(m.kind), target, m);
        results.push({ kind: m.kind, namespace: target, name: m.meta.name, action: r.action });
      }
      const services = manifests.flatMap((m, i) => (m.kind === 'Service' ? [{ namespace: m.meta.namespace ?? ns, name: m.meta.name, path: `${entries[i].path}.` }] : []));
      await this.assertNoDependencyCycle(tx, services, 'invalid manifest');
      return results;
    });
  }

  // ---------------------------------------------------------------- secrets, configs, volumes, routes
  async listObjects(kind: NamespacedKind, ns: string) {
    await this.getNamespace(ns);
    const all = (await this.store.list<NamespacedObject>(keys.object(kind, ns))).map(redact);
    return kind === 'job' ? Promise.all(all.map((o) => this.withTaskCounts(o))) : all;
  }

  async getObject(kind: NamespacedKind, ns: string, name: string) {
    const o = await this.store.get<NamespacedObject>(keys.object(kind, ns, name));
    if (!o) throw notFound(`${kind} "${name}" in namespace "${ns}"`);
    return kind === 'job' ? this.withTaskCounts(o) : redact(o);
  }

  /** A job as the API answers it: its kept tasks counted by state (computed when read, never stored). */
  private async withTaskCounts(o: NamespacedObject): Promise<NamespacedObject> {
    const counts: Record<string, number> = {};
    for (const t of await this.store.list<Task>(keys.task(o.meta.namespace))) if (t.meta.job === o.meta.name) counts[t.status.state] = (counts[t.status.state] ?? 0) + 1;
    return { ...o, status: { ...(o.status as object), tasks: counts } };
  }

  createObject(kind: NamespacedKind, ns: string, body: unknown, replace?: string) {
    const implied = replace === undefined ? withKind(body, KIND_OF[kind]) : withName(withKind(body, KIND_OF[kind]), replace);
    const m = parseOrThrow<AnyManifest>(Manifests[KIND_OF[kind]] as SchemaLike<AnyManifest>, implied, `invalid ${kind}`);
    checkNamespaceField(m, ns, '');
    if (replace !== undefined && m.meta.name !== replace) throw invalid([{ field: 'meta.name', reason: `must be "${replace}", the name in the path` }]);
    return this.withinQuota(kind === 'volume' ? [ns] : [], async (tx) => {
      await this.requireNamespace(tx, ns);
      const exists = await tx.get(keys.object(kind, ns, m.meta.name));
      if (replace === undefined && exists) throw new LbError('ALREADY_EXISTS', `${kind} "${m.meta.name}" already exists in namespace "${ns}"`);
      if (replace !== undefined && !exists) throw notFound(`${kind} "${replace}" in namespace "${ns}"`);
      return redact((await this.upsertObject(tx, kind, ns, m)).object);
    });
  }

  deleteObject(kind: NamespacedKind, ns: string, name: string): Promise<void> {
    return this.store.txn(async (tx) => {
      if (!(await tx.get(keys.object(kind, ns, name)))) throw notFound(`${kind} "${name}" in namespace "${ns}"`);
      if (kind === 'volume') {
        const users = (await tx.list<StoredService>(keys.service(ns))).filter((s) => s.spec.template.volumes.some((v) => v.volume?.name === name));
        if (users.length)
          throw new LbError('FAILED_PRECONDITION', `volume "${name}" is used by service ${users.map((s) => `"${s.meta.name}"`).join(', ')}`, {
            fix: 'delete those services first',
          });
      }
      tx.del(keys.object(kind, ns, name));
    });
  }

  private async upsertObject(tx: Txn, kind: NamespacedKind, ns: string, m: AnyManifest): Promise<{ object: NamespacedObject; action: ApplyResult['action'] }> {
    const key = keys.object(kind, ns, m.meta.name);
    const prev = await tx.get<NamespacedObject>(key);
    if (prev && sameUserFields(kind === 'secret' ? this.revealed(prev) : prev, m)) return { object: prev, action: 'unchanged' };
    // A job's tasks run its template: the namespace's policy applies as to a service's.
    if (kind === 'job') await this.assertTemplateAllowed(tx, ns, (m.spec as { task: { template: StoredService['spec']['template'] } }).task.template, 'spec.task.template');
    if (kind === 'secret') {
      // Sealed before it is stored: values never rest in the store in clear.
      const spec = m.spec as Secret['spec'];
      m = { ...m, spec: { ...spec, data: this.box.sealAll(spec.data) } } as AnyManifest;
    }
    const status = kind === 'volume' ? { state: 'pending', message: '' } : kind === 'route' ? { state: 'pending', message: '' } : kind === 'job' ? jobStatus(m) : {};
    const object: NamespacedObject = prev
      ? touch({ ...prev, meta: { ...prev.meta, labels: m.meta.labels ?? {}, description: m.meta.description }, spec: m.spec, ...(kind === 'job' ? { status: jobStatus(m) } : {}) })
      : { kind: m.kind, version: 'v1', meta: { ...newMeta(m.meta), namespace: ns }, spec: m.spec, status };
    tx.put(key, object);
    return { object, action: prev ? 'updated' : 'created' };
  }
}

/** A job's stored status follows its spec (its tasks are counted when read, jobs/tasks.ts). */
function jobStatus(m: AnyManifest): { state: 'enabled' | 'disabled' } {
  return { state: (m.spec as { enabled?: boolean }).enabled === false ? 'disabled' : 'enabled' };
}

/** A namespace written without spec.resources gets the cluster's default quota (`resources: {}` opts out). */
function withDefaultQuota(spec: Namespace['spec'], quota: NamespaceResources | undefined): Namespace['spec'] {
  return spec.resources || !quota ? spec : { ...spec, resources: quota };
}

function parseManifest(raw: unknown, path: string): AnyManifest {
  const kind = (raw as { kind?: unknown })?.kind;
  const problem = manifestKindProblem(kind);
  if (problem !== undefined) throw invalid([{ field: `${path}.kind`, reason: problem }], 'invalid manifest');
  return parseOrThrow<AnyManifest>(Manifests[kind as ManifestKind] as SchemaLike<AnyManifest>, raw, 'invalid manifest', path.split('.'));
}

function checkNamespaceField(m: AnyManifest, ns: string, prefix: string): void {
  if (m.meta.namespace !== undefined && m.meta.namespace !== ns && prefix === '')
    throw invalid([{ field: `${prefix}meta.namespace`, reason: `is "${m.meta.namespace}" but the request is for namespace "${ns}"` }]);
}

function kindPath(kind: Exclude<ManifestKind, 'Namespace' | 'Service'>): NamespacedKind {
  return kind.toLowerCase() as NamespacedKind;
}

/** The name an update's path implies, when the body leaves it out (the original CLI's updates send none). */
function withName(body: unknown, name: string): unknown {
  if (!body || typeof body !== 'object') return body;
  const meta = (body as { meta?: unknown }).meta;
  if (meta === undefined || meta === null) return { ...body, meta: { name } };
  return typeof meta === 'object' && ((meta as { name?: unknown }).name ?? null) === null ? { ...body, meta: { ...meta, name } } : body;
}

/** The kind a per-kind route implies, when the body leaves it out (the original's clients never send it). */
function withKind(body: unknown, kind: string): unknown {
  return body && typeof body === 'object' && !('kind' in body) ? { ...body, kind } : body;
}

function sameUserFields(prev: { meta: { labels: Record<string, string>; description?: string }; spec: unknown }, m: AnyManifest): boolean {
  return (
    stableStringify(prev.spec) === stableStringify(m.spec) &&
    stableStringify(prev.meta.labels) === stableStringify(m.meta.labels ?? {}) &&
    prev.meta.description === m.meta.description
  );
}

/** Secret values never leave the API: they are shown masked. */
export function redact<T extends NamespacedObject>(o: T): T {
  if (o.kind !== 'Secret') return o;
  const s = o as unknown as Secret;
  const data = Object.fromEntries(Object.keys(s.spec.data).map((k) => [k, '******']));
  return { ...o, spec: { ...s.spec, data } } as T;
}
