// One gRPC channel to containerd and typed-enough helpers to call its services over it.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = join(__dirname, '..', 'proto');

const SERVICE_FILES = {
  version: ['services/version.proto', 'containerd.services.version.v1.Version'],
  containers: ['services/containers.proto', 'containerd.services.containers.v1.Containers'],
  images: ['services/images.proto', 'containerd.services.images.v1.Images'],
  leases: ['services/leases.proto', 'containerd.services.leases.v1.Leases'],
  content: ['services/content.proto', 'containerd.services.content.v1.Content'],
  snapshots: ['services/snapshots.proto', 'containerd.services.snapshots.v1.Snapshots'],
  diff: ['services/diff.proto', 'containerd.services.diff.v1.Diff'],
  tasks: ['services/tasks.proto', 'containerd.services.tasks.v1.Tasks'],
  events: ['services/events.proto', 'containerd.services.events.v1.Events'],
} as const;

export type ServiceName = keyof typeof SERVICE_FILES;

/** Decoding options shared with the event decoder: snake_case fields, int64 as numbers, enums as names. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** google.protobuf.Any as proto-loader hands it over. */
export interface Any {
  type_url: string;
  value: Buffer;
}

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface CallOptions {
  /** containerd lease the call's resources are held by (`containerd-lease` header). */
  lease?: string;
  /** Deadline in ms; streams and waits pass none. */
  timeoutMs?: number;
}

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;
type UnaryMethod = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;
type StreamMethod = (req: object, md: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
type DuplexMethod = (md: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientDuplexStream<object, unknown>;
type ServiceClient = grpc.Client & Record<string, unknown>;

let definitions: Map<ServiceName, grpc.ServiceClientConstructor> | undefined;

/** Loads the .proto files once per process. */
function serviceConstructors(): Map<ServiceName, grpc.ServiceClientConstructor> {
  if (definitions) return definitions;
  const files = Object.values(SERVICE_FILES).map(([file]) => file);
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(files, LOADER_OPTIONS));
  const out = new Map<ServiceName, grpc.ServiceClientConstructor>();
  for (const [name, [, fullName]] of Object.entries(SERVICE_FILES) as [ServiceName, readonly [string, string]][]) {
    let node: unknown = pkg;
    for (const part of fullName.split('.')) node = (node as Record<string, unknown>)[part];
    if (typeof node !== 'function') throw new Error(`containerd proto: service ${fullName} missing`);
    out.set(name, node as grpc.ServiceClientConstructor);
  }
  definitions = out;
  return out;
}

/** A connection to one containerd namespace. */
export class Containerd {
  private readonly channel: grpc.Channel;
  private readonly clients = new Map<ServiceName, ServiceClient>();

  constructor(
    readonly address: string,
    readonly namespace: string,
  ) {
    this.channel = new grpc.Channel(`unix:${address}`, grpc.credentials.createInsecure(), {});
  }

  private client(service: ServiceName): ServiceClient {
    let c = this.clients.get(service);
    if (!c) {
      const Ctor = serviceConstructors().get(service);
      if (!Ctor) throw new Error(`containerd service ${service} unknown`);
      c = new Ctor(`unix:${this.address}`, grpc.credentials.createInsecure(), {
        channelOverride: this.channel,
      }) as ServiceClient;
      this.clients.set(service, c);
    }
    return c;
  }

  private metadata(opts: CallOptions): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', this.namespace);
    if (opts.lease) md.set('containerd-lease', opts.lease);
    return md;
  }

  private method<T>(service: ServiceName, method: string): T {
    const c = this.client(service);
    const fn = c[method];
    if (typeof fn !== 'function') throw new Error(`containerd ${service}.${method} unknown`);
    return (fn as (...a: unknown[]) => unknown).bind(c) as T;
  }

  /** A unary call; 30 s deadline unless told otherwise (0 = none). */
  call<Res>(service: ServiceName, method: string, req: object, opts: CallOptions = {}): Promise<Res> {
    const fn = this.method<UnaryMethod>(service, method);
    const timeout = opts.timeoutMs ?? 30_000;
    const callOpts: grpc.CallOptions = timeout > 0 ? { deadline: Date.now() + timeout } : {};
    return new Promise<Res>((resolve, reject) => {
      fn(req, this.metadata(opts), callOpts, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  /** A server-streaming call; cancel it with `call.cancel()`. */
  stream<Res>(service: ServiceName, method: string, req: object, opts: CallOptions = {}): grpc.ClientReadableStream<Res> {
    const fn = this.method<StreamMethod>(service, method);
    return fn(req, this.metadata(opts), {}) as grpc.ClientReadableStream<Res>;
  }

  /** A bidirectional stream (content writes). */
  duplex<Req extends object, Res>(service: ServiceName, method: string, opts: CallOptions = {}): grpc.ClientDuplexStream<Req, Res> {
    const fn = this.method<DuplexMethod>(service, method);
    return fn(this.metadata(opts), {}) as unknown as grpc.ClientDuplexStream<Req, Res>;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.channel.close();
  }
}

export const timestampToDate = (t: Timestamp | null | undefined): Date | undefined => {
  if (!t) return undefined;
  const seconds = Number(t.seconds);
  // containerd sends the zero time (0001-01-01) as a negative seconds value for "never".
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return new Date(seconds * 1000 + Math.floor(Number(t.nanos) / 1e6));
};

/** A JSON document packed the way containerd's typeurl packs non-protobuf types. */
export const jsonAny = (typeUrl: string, value: unknown): Any => ({
  type_url: typeUrl,
  value: Buffer.from(JSON.stringify(value)),
});
