// The discovery server's UDP socket served by a native thread (native/udp-answers.c): it answers repeated
// zone queries from the answers stored with remember(), a batch at a time, and hands every other datagram
// to onQuery. `npm run build` compiles it where a C compiler and Node's headers are
// (native/build.sh); where it is not built, or for an IPv6 address, server.ts uses node:dgram.
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import type { ipv4 } from '@lastbackend/sdk';

/** From src and dist alike. */
export const NATIVE_UDP_ADDON = join(__dirname, '..', 'native', 'build', 'udp-answers.node');

type Handle = { readonly __nativeUdp: unique symbol };

interface Addon {
  open(host: string, port: number, onQuery: (msg: Buffer, address: string, port: number) => void): Handle;
  port(h: Handle): number;
  send(h: Handle, answer: Buffer, address: string, port: number): boolean;
  remember(h: Handle, query: Buffer, answer: Buffer): void;
  forget(h: Handle): void;
  allow(h: Handle, networks: number[]): void;
  stats(h: Handle): [number, number];
  close(h: Handle): void;
}

let addon: Addon | null | undefined;

function loadAddon(): Addon | null {
  if (addon === undefined) {
    try {
      addon = require(NATIVE_UDP_ADDON) as Addon;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** Whether the addon is built and loads here. */
export const nativeUdpAvailable = (): boolean => loadAddon() !== null;

export class NativeUdp {
  readonly port: number;
  private open = true;

  private constructor(private readonly lib: Addon, private readonly handle: Handle) {
    this.port = lib.port(handle);
  }

  /**
   * Binds host:port (0: an ephemeral port) and starts serving; undefined where the addon is not built or
   * the host is not IPv4. A bind failure throws an Error whose `code` is the errno name (EADDRINUSE).
   */
  static bind(host: string, port: number, onQuery: (msg: Buffer, address: string, port: number) => void): NativeUdp | undefined {
    const lib = loadAddon();
    if (!lib || !isIPv4(host)) return undefined;
    return new NativeUdp(lib, lib.open(host, port, onQuery));
  }

  /** Sends one answer now, never blocking; false when it was not sent (a lost answer: the client asks again). */
  send(answer: Buffer, address: string, port: number): boolean {
    return this.open && this.lib.send(this.handle, answer, address, port);
  }

  /** The answer the thread gives to repeats of `query` (same bytes after the ID) until forget(). */
  remember(query: Buffer, answer: Buffer): void {
    if (this.open) this.lib.remember(this.handle, query, answer);
  }

  forget(): void {
    if (this.open) this.lib.forget(this.handle);
  }

  /** The networks, besides loopback, whose repeated queries the thread answers; others go to onQuery. */
  allow(networks: readonly ipv4.Cidr[]): void {
    if (this.open) this.lib.allow(this.handle, networks.flatMap((c) => [c.network, c.prefix]));
  }

  /** Queries answered by the thread, and handed to onQuery. */
  stats(): { answered: number; handed: number } {
    const [answered, handed] = this.open ? this.lib.stats(this.handle) : [0, 0];
    return { answered, handed };
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.lib.close(this.handle);
  }
}
