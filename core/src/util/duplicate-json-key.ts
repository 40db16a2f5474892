// JSON.parse keeps the last of a key that appears twice in one object, silently. A file a person wrote
// with such a key is a mistake (YAML parsers refuse it), so a config read as JSON is checked for one.

interface Frame {
  readonly path: string;
  /** An object's keys so far; undefined for an array. */
  readonly keys?: Set<string>;
  /** The object's last key, or the array's index, naming the value being read. */
  at: string | number;
}

const member = (f: Frame): string => (typeof f.at === 'number' ? `${f.path}[${f.at}]` : f.path ? `${f.path}.${f.at}` : f.at);

/**
 * The first key that appears twice in one object, as a path such as `drivers.cri` or `a[2].b`;
 * undefined when there is none. `text` must be valid JSON (JSON.parse accepted it).
 */
export function duplicateJsonKey(text: string): string | undefined {
  const stack: Frame[] = [];
  let token = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      token = text.slice(i, j + 1);
      i = j;
    } else if (c === ':') {
      const top = stack[stack.length - 1];
      const key = JSON.parse(token) as string; // the key as JSON.parse reads it: escapes undone
      if (top.keys!.has(key)) return member({ ...top, at: key });
      top.keys!.add(key);
      top.at = key;
    } else if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      stack.push({ path: top ? member(top) : '', ...(c === '{' ? { keys: new Set<string>() } : {}), at: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (typeof top.at === 'number') top.at++;
    }
  }
  return undefined;
}
