// The kiosk's service worker (dist/kiosk-sw.js, scope ./kiosk): keeps the page and its files in a cache so the
// kiosk opens and works with no network. Network first: online, the tablet always gets the current page; offline,
// the cached copy. API requests are never touched: the page queues milestones itself (desk.ts, sender.ts).
// Written against the few service-worker types it uses, since the webview compiles with the DOM library.

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const worker = self as unknown as WorkerScope;
const CACHE = 'ringside-kiosk-1';
/** The page and its files, next to this worker (so the same list works below a reverse proxy's prefix). */
const SHELL = ['kiosk', 'kiosk.js', 'kiosk.css', 'kiosk.webmanifest', 'kiosk-icon.svg', 'kiosk-icon-192.png', 'kiosk-icon-512.png'].map((file) => new URL(file, worker.location.href).href);

worker.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => worker.skipWaiting()));
});

worker.addEventListener('activate', (event) => {
  const old = caches.keys().then((names) => Promise.all(names.filter((name) => name.startsWith('ringside-kiosk-') && name !== CACHE).map((name) => caches.delete(name))));
  event.waitUntil(old.then(() => worker.clients.claim()));
});

worker.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const shellFile = `${url.origin}${url.pathname}`;
  if (event.request.method !== 'GET' || !SHELL.includes(shellFile)) return;
  event.respondWith(
    fetch(event.request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(shellFile, response.clone());
        return response;
      })
      .catch(async () => (await caches.match(shellFile)) ?? Response.error()),
  );
});
