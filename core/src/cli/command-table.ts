// The top-level commands as `lb --help` lists them, and the module that registers each. main.ts loads
// only the module of the command that runs: start-up time is part of every command's latency (`lb run`
// → ready included), and loading all ~30 command modules cost more than node's own start. The table is
// checked against the commands themselves (command-table.spec.ts), so help and suggestions stay the same.
import type { Command } from 'commander';
import type { CliContext } from './context';

export type Register = (program: Command, ctx: CliContext) => void;

export interface TopCommand {
  name: string;
  /** How the program's help lists it (commander's subcommandTerm of the registered command). */
  term: string;
  description: string;
}

export interface CommandModule {
  /** The module's register function; the module loads on this call, not before. */
  load(): Register;
  /** The top-level commands it registers, in order. */
  commands: readonly TopCommand[];
}

/** In registration order, which is the order of the help's list. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    load: () => (require('./commands/server') as typeof import('./commands/server')).registerServer,
    commands: [
      { name: 'server', term: 'server [options]', description: 'run the API server, controller, scheduler and a local node agent in the foreground' },
    ],
  },
  {
    load: () => (require('./commands/agent') as typeof import('./commands/agent')).registerAgent,
    commands: [
      { name: 'agent', term: 'agent [options]', description: 'join this machine to a cluster as a node and run its pods, in the foreground' },
    ],
  },
  {
    load: () => (require('./commands/token') as typeof import('./commands/token')).registerToken,
    commands: [
      { name: 'token', term: 'token', description: 'tokens: join tokens for nodes, API tokens with a role (admin only)' },
    ],
  },
  {
    load: () => (require('./commands/secret-key') as typeof import('./commands/secret-key')).registerSecretKey,
    commands: [
      { name: 'secret-key', term: 'secret-key', description: 'the key that seals secrets at rest: rotate it online (admin only)' },
    ],
  },
  {
    load: () => (require('./commands/route') as typeof import('./commands/route')).registerRoute,
    commands: [
      { name: 'route', term: 'route', description: 'ingress routes: host and path rules to services' },
    ],
  },
  {
    load: () => (require('./commands/node') as typeof import('./commands/node')).registerNode,
    commands: [
      { name: 'node', term: 'node', description: 'nodes: labels, cordon, uncordon, drain (list them with lb get nodes)' },
    ],
  },
  {
    load: () => (require('./commands/driver') as typeof import('./commands/driver')).registerDriver,
    commands: [
      { name: 'driver', term: 'driver', description: 'a node\'s drivers (CRI, CII, CSI, CNI, CPI); the server\'s own node unless --node' },
    ],
  },
  {
    load: () => (require('./commands/conformance') as typeof import('./commands/conformance')).registerConformance,
    commands: [
      { name: 'conformance', term: 'conformance [options] <kind> <package>', description: 'run the SDK\'s conformance suite for a driver package (no jest needed) and print pass/fail per test' },
    ],
  },
  {
    load: () => (require('./commands/apply') as typeof import('./commands/apply')).registerApply,
    commands: [
      { name: 'apply', term: 'apply [options]', description: 'create or update everything in a manifest file (multi-document YAML), all or nothing' },
    ],
  },
  {
    load: () => (require('./commands/run') as typeof import('./commands/run')).registerRun,
    commands: [
      { name: 'run', term: 'run [options] <name> <image>', description: 'run an image as a service with one container' },
    ],
  },
  {
    load: () => (require('./commands/get') as typeof import('./commands/get')).registerGet,
    commands: [
      { name: 'get', term: 'get [options] <kind> [name]', description: 'list objects: namespaces, services, deployments, pods, nodes, secrets, configs, volumes, routes, endpoints, cluster, jobs, tasks' },
      { name: 'inspect', term: 'inspect [options] <kind> [name]', description: 'show one object in full, as YAML; a service or pod ends with its recent events' },
    ],
  },
  {
    load: () => (require('./commands/scale') as typeof import('./commands/scale')).registerScale,
    commands: [
      { name: 'scale', term: 'scale [options] <name> <replicas>', description: 'set the number of pods of a service' },
    ],
  },
  {
    load: () => (require('./commands/logs') as typeof import('./commands/logs')).registerLogs,
    commands: [
      { name: 'logs', term: 'logs [options] <name>', description: 'show the logs of a service (all its pods, merged in time order), of one pod, or of a task (task/NAME: every attempt\'s, kept after its containers are gone)' },
    ],
  },
  {
    load: () => (require('./commands/exec') as typeof import('./commands/exec')).registerExec,
    commands: [
      { name: 'exec', term: 'exec [options] <target> [command...]', description: 'run a command in a container of a pod, or of a ready pod of a service (-it: an interactive shell)' },
    ],
  },
  {
    load: () => (require('./commands/port-forward') as typeof import('./commands/port-forward')).registerPortForward,
    commands: [
      { name: 'port-forward', term: 'port-forward [options] <target> <ports...>', description: 'forward local ports to a pod\'s ports through the API server (a service: one of its ready pods)' },
    ],
  },
  {
    load: () => (require('./commands/delete') as typeof import('./commands/delete')).registerDelete,
    commands: [
      { name: 'delete', term: 'delete [options] <kind> <name>', description: 'delete an object: namespace, service, secret, config, volume, route, node, job' },
    ],
  },
  {
    load: () => (require('./commands/job') as typeof import('./commands/job')).registerJob,
    commands: [
      { name: 'job', term: 'job', description: 'run and cancel tasks of jobs (apply a Job manifest with lb apply; list them with lb get jobs / lb get tasks)' },
    ],
  },
  {
    load: () => (require('./commands/rollback') as typeof import('./commands/rollback')).registerRollback,
    commands: [
      { name: 'rollback', term: 'rollback [options] <name>', description: 'roll a service back to an earlier deployment (default: the one before the active one)' },
    ],
  },
  {
    load: () => (require('./commands/rollout') as typeof import('./commands/rollout')).registerRollout,
    commands: [
      { name: 'rollout', term: 'rollout', description: 'follow a service\'s rollout' },
    ],
  },
  {
    load: () => (require('./commands/events') as typeof import('./commands/events')).registerEvents,
    commands: [
      { name: 'events', term: 'events [options]', description: 'what the platform did or could not do: a namespace\'s events (services, pods), or the cluster\'s (nodes, drivers)' },
    ],
  },
  {
    load: () => (require('./commands/top') as typeof import('./commands/top')).registerTop,
    commands: [
      { name: 'top', term: 'top [options] <kind>', description: 'CPU and memory of pods or nodes, as the nodes\' agents sample them from the container runtime' },
    ],
  },
  {
    load: () => (require('./commands/snapshot') as typeof import('./commands/snapshot')).registerSnapshot,
    commands: [
      { name: 'snapshot', term: 'snapshot', description: 'snapshots of the whole state: save one from a running server, restore one into a new data dir or etcd prefix' },
    ],
  },
  {
    load: () => (require('./commands/audit') as typeof import('./commands/audit')).registerAudit,
    commands: [
      { name: 'audit', term: 'audit [options]', description: 'the audit trail (admin only): every change and sensitive read through the API, who made it, from where, and its outcome' },
    ],
  },
  {
    load: () => (require('./commands/login') as typeof import('./commands/login')).registerLogin,
    commands: [
      { name: 'login', term: 'login [options] [name]', description: 'store a server, a token and the server\'s CA (pinned by its hash) as a named context, and use it' },
      { name: 'context', term: 'context', description: 'the CLI\'s contexts (a server, a token and a CA each): list, switch, remove' },
      { name: 'ca', term: 'ca', description: 'the cluster CA: its hash, its rotation' },
    ],
  },
  {
    load: () => (require('./commands/export') as typeof import('./commands/export')).registerExport,
    commands: [
      { name: 'export', term: 'export [options] [kind] [name]', description: 'print manifests that `lb apply -f` re-creates: one object, or the whole namespace' },
    ],
  },
  {
    load: () => (require('./commands/version') as typeof import('./commands/version')).registerVersion,
    commands: [
      { name: 'version', term: 'version [options]', description: 'print the version of the CLI and of the server' },
    ],
  },
  {
    load: () => (require('./commands/secret') as typeof import('./commands/secret')).registerSecret,
    commands: [
      { name: 'secret', term: 'secret', description: 'secrets (sealed in the store; values masked when read back)' },
      { name: 'config', term: 'config', description: 'configs: text mounted as files or given as env' },
    ],
  },
  {
    load: () => (require('./commands/completion') as typeof import('./commands/completion')).registerCompletion,
    commands: [
      { name: 'completion', term: 'completion <shell>', description: 'print the shell completion script for bash, zsh or fish (commands, flags, and names from the server)' },
    ],
  },
  {
    load: () => (require('./commands/compose') as typeof import('./commands/compose')).registerCompose,
    commands: [
      { name: 'compose', term: 'compose', description: 'docker-compose files: what they become here (lb apply -f compose.yaml applies one)' },
    ],
  },
];
