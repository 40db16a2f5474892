// Injection tokens for the values every module of a process reads. Typed where they are injected:
// @Inject(CONFIG) cfg: KernelConfig, @Inject(LOGGER) log: Logger, @Inject(SERVED) served: Served.
export const CONFIG = Symbol('config');
export const LOGGER = Symbol('logger');
/** `lb server` only: where the API is served and with which admin token (Served, served.ts). */
export const SERVED = Symbol('served');
