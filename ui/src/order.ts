// Sorting long lists: names and timestamps are compared by code unit, which is what the server's own
// order is and is many times faster than localeCompare over 10,000 rows.
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
