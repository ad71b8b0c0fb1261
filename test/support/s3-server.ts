/**
 * A real S3-protocol server on 127.0.0.1 for tests: s3rver (files in a temp folder) behind
 * a small fault-injecting HTTP proxy of ours. Clients talk to the proxy (`endpoint`); a
 * fault rule can answer a matching request with an S3 error (503 SlowDown, ...) or cut the
 * connection after part of the response body, like a reset on a real network.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export interface FaultRule {
  method?: string;
  /** Matched against the request path (/bucket/key?query). */
  path: RegExp;
  /** How many matching requests it applies to (default 1); Infinity for all. */
  times?: number;
  /** Answer with this status and S3 error code instead of forwarding. */
  status?: number;
  code?: string;
  /** Cut the connection after this many bytes of the response body (GET) or of the request body (PUT/POST). */
  dropAfterBytes?: number;
}

export interface FakeS3 {
  /** What clients use as AWS_ENDPOINT_URL (the proxy). */
  endpoint: string;
  /** Credentials s3rver accepts. */
  env: Record<string, string>;
  faults: FaultRule[];
  /** Requests seen by the proxy, as "METHOD /path". */
  log: string[];
  close(): Promise<void>;
}

export const S3_KEY = "S3RVER";

export async function startFakeS3(buckets: string[]): Promise<FakeS3> {
  const dir = mkdtempSync(join(tmpdir(), "s3rver-"));
  const s3 = new S3rver({ port: 0, address: "127.0.0.1", directory: dir, silent: true, configureBuckets: buckets.map((name) => ({ name })) } as never);
  const { port: upstream } = (await s3.run()) as unknown as AddressInfo;
  const faults: FaultRule[] = [];
  const log: string[] = [];

  const proxy: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const line = `${req.method} ${req.url}`;
    log.push(line);
    const rule = faults.find((f) => (f.times ?? 1) > 0 && (!f.method || f.method === req.method) && f.path.test(req.url ?? ""));
    if (rule) rule.times = (rule.times ?? 1) - 1;
    if (rule?.status) {
      req.resume();
      const code = rule.code ?? "SlowDown";
      res.writeHead(rule.status, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected fault</Message></Error>`);
      return;
    }
    if (rule?.dropAfterBytes !== undefined && (req.method === "PUT" || req.method === "POST")) {
      // An upload cut short: take part of the request body, then drop the connection.
      let got = 0;
      req.on("data", (c: Buffer) => {
        got += c.length;
        if (got >= rule.dropAfterBytes!) req.socket.destroy();
      });
      return;
    }
    const up = request({ host: "127.0.0.1", port: upstream, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (rule?.dropAfterBytes === undefined) {
        upRes.pipe(res);
        return;
      }
      let sent = 0;
      upRes.on("data", (chunk: Buffer) => {
        const room = rule.dropAfterBytes! - sent;
        if (room > 0) res.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= rule.dropAfterBytes!) {
          upRes.destroy();
          res.socket?.destroy();
        }
      });
      upRes.on("end", () => res.end());
    });
    up.on("error", () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  const port = (proxy.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    env: { AWS_ACCESS_KEY_ID: S3_KEY, AWS_SECRET_ACCESS_KEY: S3_KEY, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_EC2_METADATA_DISABLED: "true" },
    faults,
    log,
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await s3.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
