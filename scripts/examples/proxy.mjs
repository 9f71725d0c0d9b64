/**
 * A TLS-terminating reverse proxy in miniature: what sits in front of an app in production
 * (a load balancer, nginx, Vercel). It forwards to `target` with the browser's Host kept and
 * X-Forwarded-Proto/Host set, so the app's request.url is not the address the browser used.
 */
import { createServer, request } from "node:http";

export function startProxy(target, { publicOrigin }) {
  const upstream = new URL(target);
  const publicUrl = new URL(publicOrigin);
  const server = createServer((req, res) => {
    const headers = { ...req.headers, host: publicUrl.host, "x-forwarded-proto": publicUrl.protocol.slice(0, -1), "x-forwarded-host": publicUrl.host, "x-forwarded-for": "203.0.113.7" };
    const forwarded = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forwarded);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((done) => server.close(done)) }));
  });
}
