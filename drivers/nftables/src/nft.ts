// Runs the nft binary: arguments on the command line, scripts on stdin. Failures become LbErrors
// carrying nft's own message.
import { spawn } from 'node:child_process';
import { LbError } from '@lastbackend/sdk';

export interface NftResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const TIMEOUT_MS = 30_000;

/** Runs nft and resolves with whatever happened (never rejects on a non-zero exit). */
export function runNft(bin: string, args: readonly string[], stdin?: string): Promise<NftResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Our own timer, cleared however the child ends (spawn's `timeout` option outlives a failed spawn).
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new LbError('UNAVAILABLE', `cannot run ${bin}: ${e.message}`, { fix: e.code === 'ENOENT' ? 'install nftables (apt-get install nftables)' : undefined }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code: signal ? null : code, stdout: Buffer.concat(out).toString('utf8'), stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
    child.stdin.on('error', () => undefined); // nft may exit before reading everything; the exit code tells
    child.stdin.end(stdin ?? '');
  });
}

/** Like runNft, but a non-zero exit is an error. */
export async function nft(bin: string, args: readonly string[], stdin?: string): Promise<string> {
  const r = await runNft(bin, args, stdin);
  if (r.code !== 0) throw new LbError('UNAVAILABLE', `nft ${args.join(' ')} failed (exit ${String(r.code)}): ${r.stderr.trim() || 'no output'}`);
  return r.stdout;
}

/** nft's answer when the table (or another object) does not exist. */
export const isNotFound = (r: NftResult): boolean => r.code !== 0 && /No such file or directory/.test(r.stderr);
