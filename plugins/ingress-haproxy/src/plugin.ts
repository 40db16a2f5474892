// The plugin: `ingress: { plugin: '@lastbackend/plugin-ingress-haproxy', config: { haproxy: '/usr/sbin/haproxy' } }`.
import { LbError, definePlugin, type IngressProxyOptions } from '@lastbackend/sdk';
import { HaproxyIngress } from './ingress';

export const PLUGIN_NAME = 'ingress-haproxy';

/** Settings under `ingress.config`: only `haproxy`, the binary (default: haproxy from PATH). */
export function parseIngressConfig(config: Record<string, unknown>): { haproxy?: string } {
  for (const k of Object.keys(config))
    if (k !== 'haproxy') throw new LbError('INVALID_ARGUMENT', `ingress.config.${k}: unknown setting of ${PLUGIN_NAME} (it knows: haproxy)`);
  const bin = config.haproxy;
  if (bin !== undefined && (typeof bin !== 'string' || bin === ''))
    throw new LbError('INVALID_ARGUMENT', 'ingress.config.haproxy: must be the path or name of the haproxy binary');
  return bin === undefined ? {} : { haproxy: bin };
}

export default definePlugin({
  name: PLUGIN_NAME,
  ingress: (opts: IngressProxyOptions) =>
    new HaproxyIngress({ workDir: opts.workDir, http: opts.http, ...(opts.https ? { https: opts.https } : {}), logger: opts.logger, ...parseIngressConfig(opts.config) }),
});
