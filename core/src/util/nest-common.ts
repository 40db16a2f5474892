// @nestjs/common, loaded without its two eager Intl.DateTimeFormat objects. Its loggers each make one as
// their module loads, for the timestamps of Nest's console logger, which lb never logs through (its Nest
// applications are made with `logger: false`; lb has its own logger). Making one reads the locale's and
// the time zone's data out of node's ICU: ~4.5 MB of an idle server's ~95 MB resident. While
// @nestjs/common loads, Intl.DateTimeFormat makes a stand-in that makes the real formatter the first time
// one of its properties is read. server.ts and agent-main.ts import this before anything that loads Nest.

type Formatter = Intl.DateTimeFormat;
type Args = ConstructorParameters<typeof Intl.DateTimeFormat>;

function formatterOnUse(Real: typeof Intl.DateTimeFormat, args: Args): Formatter {
  let real: Formatter | undefined;
  const made = (): Formatter => (real ??= new Real(...args));
  return new Proxy({} as Formatter, {
    get(_target, name) {
      const value: unknown = Reflect.get(made(), name);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(made()) : value;
    },
  });
}

const Real = Intl.DateTimeFormat;
Intl.DateTimeFormat = new Proxy(Real, { construct: (_target, args: Args) => formatterOnUse(Real, args) });
try {
  require('@nestjs/common');
} finally {
  Intl.DateTimeFormat = Real;
}
