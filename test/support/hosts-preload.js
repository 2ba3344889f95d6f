// Loaded into a child with `node --import` (NODE_OPTIONS): the child's own hosts file. KXP_TEST_HOSTS="name,name"
// makes those names resolve to 127.0.0.1, so a test can stand a local server behind a name that is not loopback
// (e.g. contoso.blob.core.windows.net.example.org) without touching the machine's DNS.
import dns from 'node:dns';

const names = new Set((process.env.KXP_TEST_HOSTS ?? '').split(',').filter(Boolean).map((name) => name.toLowerCase()));
const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (!names.has(String(hostname).toLowerCase())) return original.call(dns, hostname, options, callback);
  const done = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all;
  process.nextTick(() => (all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)));
};
