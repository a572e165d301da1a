// HTTP allow-list entries: origins such as `https://api.example.com` or `http://localhost:8080`.

/** One allowed origin: a scheme and the request authorities that name it. */
export interface HttpOrigin {
  readonly scheme: 'http' | 'https';
  /** `host[:port]` as a request may carry it: with and without the scheme's default port. */
  readonly authorities: readonly string[];
  /** The entry as written. */
  readonly text: string;
}

const DEFAULT_PORT = { http: '80', https: '443' } as const;

/** Parses one origin; a string is the reason it is bad. */
export function parseOrigin(text: string): HttpOrigin | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `bad origin \`${text}\`: write a scheme and a host, such as \`https://api.example.com\` or \`http://localhost:8080\``;
  }
  const scheme = url.protocol === 'http:' ? 'http' : url.protocol === 'https:' ? 'https' : undefined;
  if (!scheme) return `bad origin \`${text}\`: the scheme must be http or https`;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    return `bad origin \`${text}\`: an origin has no path, query, fragment or user`;
  }
  const authorities = url.port ? [url.host] : [url.host, `${url.host}:${DEFAULT_PORT[scheme]}`];
  return { scheme, authorities, text };
}
