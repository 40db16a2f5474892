// Resource quantities as users write them: ram "128mib", "1gb", "512" (bytes); cpu "0.5", "500m", "2".
// "128Mi" is 128mib, as the original read it.

const RAM_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3, kb: 1e3, kib: 1024, ki: 1024,
  m: 1e6, mb: 1e6, mib: 1024 ** 2, mi: 1024 ** 2,
  g: 1e9, gb: 1e9, gib: 1024 ** 3, gi: 1024 ** 3,
  t: 1e12, tb: 1e12, tib: 1024 ** 4, ti: 1024 ** 4,
};

const RAM_RE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;
const CPU_RE = /^(\d+(?:\.\d+)?)(m?)$/;

/** Bytes for a ram quantity, or undefined when it is not one. */
export function parseRam(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = RAM_RE.exec(value.trim());
  if (!m) return undefined;
  const unit = RAM_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

/** Millicores for a cpu quantity ("0.5" = 500, "250m" = 250), or undefined. */
export function parseCpu(value: string | number): number | undefined {
  if (typeof value === 'number') return value >= 0 ? Math.round(value * 1000) : undefined;
  const m = CPU_RE.exec(value.trim());
  if (!m) return undefined;
  return m[2] === 'm' ? Math.round(Number(m[1])) : Math.round(Number(m[1]) * 1000);
}

export function formatRam(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}gib`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)}mib`;
  return `${bytes}`;
}
