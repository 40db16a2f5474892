// Leader election: the work that must run once per cluster (the controller with its scheduler and node
// liveness) runs only on the leader. With level there is one server, which always leads. With etcd each
// server campaigns on an election key held by a lease it keeps alive; when the leader dies (kill -9) its
// lease expires after lease_ttl seconds and the next campaigner is elected and starts the duty.
// Even a stale leader cannot corrupt state: every write is a serialisable txn (see EtcdStore).
import type { Election, Namespace, Watcher } from 'etcd3';

/** The single-instance work: started on election, stopped when leadership is lost. */
export interface LeaderDuty {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LeaderStatus {
  backend: 'level' | 'etcd';
  /** This server. */
  server: string;
  leader: boolean;
  /** The server that leads now (as seen from here), when known. */
  leader_id?: string;
  /** When this server became the leader. */
  since?: string;
}

export interface Leadership {
  readonly id: string;
  /** Starts leading (level) or campaigning (etcd; resolves at once, the duty starts on election). */
  start(): Promise<void>;
  isLeader(): boolean;
  status(): Promise<LeaderStatus>;
  /** URLs of the other servers that are up (their ids are name@url). */
  peers(): Promise<string[]>;
  stop(): Promise<void>;
}

/** The URL in a server id (name@url). */
const urlOfServerId = (id: string): string => id.slice(id.lastIndexOf('@') + 1);

interface Log {
  info(msg: string): void;
  warn(msg: string): void;
}

/** One server, one store: it leads from the start. */
export class SoleLeadership implements Leadership {
  private since?: string;
  private duty?: LeaderDuty;
  constructor(
    readonly id: string,
    private readonly makeDuty: () => LeaderDuty,
  ) {}

  async start(): Promise<void> {
    this.duty = this.makeDuty();
    await this.duty.start();
    this.since = new Date().toISOString();
  }

  isLeader(): boolean {
    return this.since !== undefined;
  }

  async status(): Promise<LeaderStatus> {
    return { backend: 'level', server: this.id, leader: this.isLeader(), leader_id: this.id, ...(this.since ? { since: this.since } : {}) };
  }

  async stop(): Promise<void> {
    this.since = undefined;
    await this.duty?.stop();
  }

  async peers(): Promise<string[]> {
    return [];
  }
}

type Outcome = 'elected' | 'stopped' | Error;

export class EtcdLeadership implements Leadership {
  private readonly election: Election;
  private stopped = false;
  private since?: string;
  private interrupt?: (o: Outcome) => void;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly ns: Namespace,
    readonly id: string,
    ttl: number,
    private readonly makeDuty: () => LeaderDuty,
    private readonly log: Log,
    private readonly retryMs = 1000,
  ) {
    this.election = ns.election('leader', ttl);
  }

  async start(): Promise<void> {
    this.loop = this.run();
  }

  isLeader(): boolean {
    return this.since !== undefined;
  }

  async status(): Promise<LeaderStatus> {
    const leaderId = await this.election.leader().catch(() => undefined);
    return { backend: 'etcd', server: this.id, leader: this.isLeader(), ...(leaderId ? { leader_id: leaderId } : {}), ...(this.since ? { since: this.since } : {}) };
  }

  /** Every campaigning server holds a key under the election with its id, bound to its lease. */
  async peers(): Promise<string[]> {
    const ids = Object.values(await this.ns.getAll().prefix('election/leader/').strings());
    return ids.filter((id) => id !== this.id).map(urlOfServerId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.('stopped');
    await this.loop;
  }

  /** Campaign, lead until the lease is lost, step down, campaign again; until stopped. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      const campaign = this.election.campaign(this.id);
      const next = () =>
        new Promise<Outcome>((resolve) => {
          this.interrupt = resolve;
          campaign.once('elected', () => resolve('elected'));
          campaign.once('error', (e: Error) => resolve(e));
        });
      // Errors after the first are expected while stepping down; keep a listener so none is unhandled.
      campaign.on('error', () => undefined);
      let outcome = await next();
      if (outcome === 'elected' && !this.stopped) {
        const duty = this.makeDuty();
        let ownKey: Watcher | undefined;
        try {
          const lost = next();
          // Step down as soon as our election key goes (lease revoked or expired), not only when the
          // next keep-alive fails: it shortens the time two servers both believe they lead.
          const key = `election/leader/${(await campaign.getCampaignKey()).split('/').pop()}`;
          ownKey = await this.ns.watch().key(key).only('delete').create();
          ownKey.on('delete', () => this.interrupt?.(new Error('the election key was deleted (lease expired or revoked)')));
          ownKey.on('error', () => undefined);
          await duty.start();
          this.since = new Date().toISOString();
          this.log.info(`leading: ${this.id} runs the controller and scheduler`);
          outcome = await lost;
        } catch (e) {
          outcome = e as Error;
        }
        await ownKey?.cancel().catch(() => undefined);
        this.since = undefined;
        await duty.stop().catch((e: Error) => this.log.warn(`stopping the leader's work: ${e.message}`));
        if (outcome !== 'stopped') this.log.warn(`no longer leading: ${outcome instanceof Error ? outcome.message : outcome}`);
      } else if (outcome instanceof Error && !this.stopped) {
        this.log.warn(`leader election: ${outcome.message}; campaigning again`);
      }
      this.interrupt = undefined;
      // Resigning revokes the lease, so on a clean stop the next server takes over at once.
      await campaign.resign().catch(() => undefined);
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.retryMs));
    }
  }
}
