// Links to the namespace and service pages, and their paths. A click moves within the app (the shell's
// router follows popstate) and puts the focus on the new page's content, as the header's links do.
import type { ComponentChildren } from 'preact';

export const namespacePath = (ns: string): string => `/ui/namespaces/${encodeURIComponent(ns)}`;
export const servicePath = (ns: string, svc: string): string => `${namespacePath(ns)}/services/${encodeURIComponent(svc)}`;

/** The namespace (and service) a path under /ui/namespaces/ names, or undefined. */
export function namespaceRoute(path: string): { ns: string; svc?: string } | undefined {
  const m = /^\/ui\/namespaces\/([^/]+)(?:\/services\/([^/]+))?\/?$/.exec(path);
  if (!m) return undefined;
  try {
    return { ns: decodeURIComponent(m[1]), ...(m[2] ? { svc: decodeURIComponent(m[2]) } : {}) };
  } catch {
    return undefined;
  }
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
  requestAnimationFrame(() => document.getElementById('main')?.focus());
}

export function AppLink({ href, children }: { href: string; children: ComponentChildren }) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // a new tab or window: the browser's
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={onClick}>{children}</a>;
}
