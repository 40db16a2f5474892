// @lastbackend/plugin-ingress-haproxy: host/path routing, TLS by SNI and seamless reloads on haproxy 2.6+.
// The default export is the plugin (SDK ingress contract); the rest is its library.
export { default, PLUGIN_NAME, parseIngressConfig } from './plugin';
export { HaproxyIngress, type IngressOptions, type ApplyResult } from './ingress';
export type { IngressBackend, IngressRule, IngressRoute, RejectedRoute } from './render';
export { renderConfig, validateRoutes, normalizeHost, validatePath, routeKey } from './render';
export { checkConfig, parseShowProc } from './haproxy';
