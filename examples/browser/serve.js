// `npm run demo:browser` ends here: serves this folder, where `virt bundle`
// has just written files/ (the files example as a page), on 127.0.0.1.
import { fileURLToPath } from 'node:url';
import { serve } from './static-server.js';

const port = Number(process.env.PORT ?? 8080);
const server = await serve(fileURLToPath(new URL('.', import.meta.url)), port).catch((error) => {
  console.error(`cannot listen on 127.0.0.1:${port}: ${error.message} (set PORT to another port)`);
  process.exit(1);
});
console.log(`the page virt bundle wrote:   ${server.url('files/?arg=/site/guide-link')}`);
console.log(`a page of your own around it: ${server.url()}`);
console.log('Ctrl-C stops the server.');
