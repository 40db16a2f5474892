// Labels the platform puts on every container it creates, so `docker ps --filter label=…` finds them.
export const LABEL_NAMESPACE = 'io.lastbackend.namespace';
export const LABEL_SERVICE = 'io.lastbackend.service';
export const LABEL_DEPLOYMENT = 'io.lastbackend.deployment';
export const LABEL_POD = 'io.lastbackend.pod';
export const LABEL_CONTAINER = 'io.lastbackend.container';
export const LABEL_NODE = 'io.lastbackend.node';
/** Hash of the container's spec: a different hash means the container must be recreated. */
export const LABEL_SPEC_HASH = 'io.lastbackend.spec-hash';
