// Key layout of the store: every key and prefix the code reads or writes comes from here. Prefixes end
// with "/" so a namespace "a" never matches "ab".
export const keys = {
  namespace: (ns = '') => `namespace/${ns}`,
  service: (ns: string, name = '') => `service/${ns}/${name}`,
  deployment: (ns: string, svc: string, name = '') => `deployment/${ns}/${svc}/${name}`,
  pod: (ns: string, name = '') => `pod/${ns}/${name}`,
  endpoint: (ns: string, name = '') => `endpoint/${ns}/${name}`,
  node: (name = '') => `node/${name}`,
  token: (id = '') => `token/${id}`,
  credential: (node = '') => `credential/${node}`,
  /** The admin token's hash after `lb token rotate`, with earlier ones in their grace (auth.ts). */
  adminToken: () => 'auth/admin-token',
  /** The cluster CA (its key sealed). */
  ca: () => 'pki/ca',
  /** Events of a namespace's objects; the cluster's (nodes) under CLUSTER_EVENTS. Written by events/recorder.ts only. */
  event: (ns: string, name = '') => `event/${ns}/${name}`,
  object: (kind: 'secret' | 'config' | 'volume' | 'route' | 'job', ns: string, name = '') => `${kind}/${ns}/${name}`,
  /** A watch ticket, by its hash (api/watch/tickets.ts): shared by every server, taken once. */
  watchTicket: (hash = '') => `watch-ticket/${hash}`,
  /** A run of a job (jobs/): the API creates it, the job controller writes its status. */
  task: (ns: string, name = '') => `task/${ns}/${name}`,
  /** What a job's triggers keep (its cron's last decided run): written by jobs/job-triggers.ts only. */
  jobTrigger: (ns: string, job = '') => `job-trigger/${ns}/${job}`,
};

/** Every object of a kind, across namespaces (for watches and cluster-wide lists). */
export const PREFIX = {
  namespaces: 'namespace/',
  pods: 'pod/',
  services: 'service/',
  deployments: 'deployment/',
  endpoints: 'endpoint/',
  nodes: 'node/',
  tokens: 'token/',
  credentials: 'credential/',
  pki: 'pki/',
  auth: 'auth/',
  secrets: 'secret/',
  configs: 'config/',
  volumes: 'volume/',
  routes: 'route/',
  events: 'event/',
  watchTickets: 'watch-ticket/',
  jobs: 'job/',
  tasks: 'task/',
  jobTriggers: 'job-trigger/',
} as const;

/** The namespace segment of the cluster's events (never a namespace's name: those are DNS labels). */
export const CLUSTER_EVENTS = '-';

/** The parts of a key: its kind (the first segment, as in PREFIX), then namespace and name (or name alone). */
export function splitKey(key: string): { kind: string; ns: string; name: string } {
  const [kind = '', ns = '', name = ''] = key.split('/');
  return { kind, ns, name };
}
