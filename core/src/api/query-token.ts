// The original's API takes its token as ?x-lastbackend-token=<token> as well as in the Authorization
// header. A URL is what ends up in logs, error messages and proxies' access logs, so the parameter is
// taken out of the request's URL as soon as it is read: nothing after the auth middleware sees it.

/** The query parameter's name, as the original's middleware reads it. */
export const TOKEN_PARAM = 'x-lastbackend-token';

interface UrlHolder {
  url: string;
  originalUrl?: string;
}

/** A form-encoded query component, decoded ('+' is a space); left as it is when it is not valid %-encoding. */
const decode = (raw: string): string => {
  const text = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};
const paramName = (part: string): string => decode(part.split('=', 1)[0]).toLowerCase();
const paramValue = (part: string): string => (part.includes('=') ? decode(part.slice(part.indexOf('=') + 1)) : '');

/** A URL without any `name` (default x-lastbackend-token) parameter, and the first one's value (undefined: none given). */
export function splitQueryToken(url: string, name = TOKEN_PARAM): { url: string; token?: string } {
  const q = url.indexOf('?');
  if (q < 0) return { url };
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const parts = query.split('&');
  const tokens = parts.filter((p) => paramName(p) === name);
  if (!tokens.length) return { url };
  const rest = parts.filter((p) => paramName(p) !== name).join('&');
  return { url: url.slice(0, q) + (rest ? `?${rest}` : '') + (hash < 0 ? '' : url.slice(hash)), token: paramValue(tokens[0]) };
}

/** Takes the token parameter (or another secret one: a watch ticket) out of the request's URL (url and originalUrl) and returns its value. */
export function takeQueryToken(req: UrlHolder, name = TOKEN_PARAM): string | undefined {
  const { url, token } = splitQueryToken(req.url, name);
  if (token === undefined) return undefined;
  req.url = url;
  if (req.originalUrl !== undefined) req.originalUrl = splitQueryToken(req.originalUrl, name).url;
  return token;
}
