// A static file server on 127.0.0.1, enough for a virt bundle: it says
// application/wasm for .wasm (so the browser compiles while it downloads) and
// serves nothing outside its folder.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves `folder` on 127.0.0.1:`port` (0: any free port); `url(path)` addresses a file, `requests` lists the paths asked for. */
export async function serve(folder, port = 0) {
  const root = resolve(folder);
  const requests = [];
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    requests.push(path);
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((done, fail) => server.once('error', fail).listen(port, '127.0.0.1', done));
  const address = `http://127.0.0.1:${server.address().port}/`;
  return {
    url: (path = '') => address + path,
    requests,
    close: () => new Promise((done) => server.close(done)),
  };
}
