// BENCH FIXTURE: a loopback TCP proxy that behaves like a long, narrow link. Every chunk is delayed by
// half the round trip in each direction; the upload direction of all connections shares one bandwidth
// cap (a single queue: what one connection sends delays the others). A connection whose data waits in
// that queue beyond a bottleneck buffer of two bandwidth-delay products (at least 1 MiB) is paused, as
// TCP would hold it back, so the proxy never hoards the client's whole upload.
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * @param {{ targetPort: number, rttMs: number, upBitsPerSecond: number }} options
 */
export async function startLinkProxy({ targetPort, rttMs, upBitsPerSecond }) {
  const halfRtt = rttMs / 2;
  const bytesPerMs = upBitsPerSecond / 8 / 1000;
  const bufferBytes = Math.max(1024 * 1024, Math.round(2 * bytesPerMs * rttMs));
  /** When the shared upload link has sent everything queued so far (performance.now() ms). */
  let linkFreeAt = 0;
  let queuedUp = 0;
  const paused = new Set();
  const sockets = new Set();

  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const up = new DelayLine();
    const down = new DelayLine();
    client.on('data', (chunk) => {
      const start = Math.max(performance.now(), linkFreeAt);
      linkFreeAt = start + chunk.length / bytesPerMs;
      queuedUp += chunk.length;
      if (queuedUp > bufferBytes) {
        client.pause();
        paused.add(client);
      }
      up.push(linkFreeAt + halfRtt, () => {
        queuedUp -= chunk.length;
        upstream.write(chunk);
        if (queuedUp <= bufferBytes / 2) {
          for (const socket of paused) socket.resume();
          paused.clear();
        }
      });
    });
    upstream.on('data', (chunk) => down.push(performance.now() + halfRtt, () => client.write(chunk)));
    client.on('end', () => up.push(Math.max(linkFreeAt, performance.now()) + halfRtt, () => upstream.end()));
    upstream.on('end', () => down.push(performance.now() + halfRtt, () => client.end()));
    const close = () => {
      up.clear();
      down.clear();
      paused.delete(client);
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  };
}

/** Deliveries in time order with one timer (due times only grow, per direction of a connection). */
class DelayLine {
  queue = [];
  timer = undefined;

  push(due, deliver) {
    this.queue.push({ due, deliver });
    if (this.queue.length === 1) this.arm();
  }

  clear() {
    this.queue = [];
    clearTimeout(this.timer);
  }

  arm() {
    const head = this.queue[0];
    if (!head) return;
    this.timer = setTimeout(() => this.run(), Math.max(0, head.due - performance.now()));
  }

  run() {
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0].due <= now + 0.5) this.queue.shift().deliver();
    this.arm();
  }
}
