/**
 * A small Hugging Face Hub of our own writing, on 127.0.0.1, answering the routes that
 * `@huggingface/hub` uses to read datasets (revision info, tree listing with pagination,
 * paths-info, resolve with HTTP ranges) and to push one (whoami, create repo, preupload,
 * LFS batch + basic upload, commit). Repositories live in memory as commits of files.
 * Tokens decide access (private datasets answer 401 without one); fault rules cut a
 * connection mid-body or answer 5xx/429, as a real network and a busy Hub do.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HubFault {
  method?: string;
  path: RegExp;
  times?: number;
  status?: number;
  /** Cut the connection after this many body bytes. */
  dropAfterBytes?: number;
}

interface Repo {
  private: boolean;
  /** commit sha → files */
  commits: Map<string, Map<string, Buffer>>;
  branches: Map<string, string>;
  log: string[];
}

export interface FakeHub {
  url: string;
  faults: HubFault[];
  /** Requests seen, "METHOD /path". */
  requests: string[];
  /** Bytes received by LFS uploads (to see what a resumed push sends again). */
  uploadedBytes: number;
  /** Adds a commit with these files (merged over the branch's last commit); returns its sha. */
  commit(repo: string, files: Record<string, Buffer | string>, opts?: { private?: boolean; branch?: string }): string;
  files(repo: string, revision?: string): Map<string, Buffer> | undefined;
  close(): Promise<void>;
}

const PAGE = 50;

function sha1(data: Buffer | string) {
  return createHash("sha1").update(data).digest("hex");
}
function sha256(data: Buffer) {
  return createHash("sha256").update(data).digest("hex");
}
/** Files bigger than this, or binary data files, are stored "in LFS" as the Hub does. */
const isLfs = (path: string, size: number) => size > 1024 || /\.(parquet|gz|zst|warc)$/.test(path);
const gitOid = (data: Buffer) => sha1(Buffer.concat([Buffer.from(`blob ${data.length}\0`), data]));
const oidOf = (path: string, data: Buffer) => (isLfs(path, data.length) ? sha256(data) : gitOid(data));

export async function startFakeHub(opts: { tokens?: Record<string, string> } = {}): Promise<FakeHub> {
  const tokens = opts.tokens ?? { hf_test_token: "alice" };
  const repos = new Map<string, Repo>();
  const lfs = new Map<string, Buffer>();
  const faults: HubFault[] = [];
  const requests: string[] = [];
  let base = "";
  let commitCounter = 0;

  const hub: FakeHub = {
    url: "",
    faults,
    requests,
    uploadedBytes: 0,
    commit(name, files, o = {}) {
      let repo = repos.get(name);
      if (!repo) repos.set(name, (repo = { private: o.private ?? false, commits: new Map(), branches: new Map(), log: [] }));
      const branch = o.branch ?? "main";
      const parent = repo.branches.get(branch);
      const tree = new Map(parent ? repo.commits.get(parent) : []);
      for (const [p, c] of Object.entries(files)) tree.set(p, Buffer.isBuffer(c) ? c : Buffer.from(c));
      const sha = sha1(`${name} ${++commitCounter} ${[...tree.keys()].join(",")}`);
      repo.commits.set(sha, tree);
      repo.branches.set(branch, sha);
      return sha;
    },
    files(name, revision = "main") {
      const repo = repos.get(name);
      const sha = repo?.branches.get(revision) ?? revision;
      return repo?.commits.get(sha);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const user = (req: IncomingMessage) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    return m ? tokens[m[1]] : undefined;
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string, code?: string) =>
    json(res, status, { error: message }, code ? { "X-Error-Code": code } : {});
  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => resolve(Buffer.concat(parts)));
      req.on("error", reject);
    });

  /** The repo if the caller may read it; otherwise the answer has been sent. */
  const readable = (req: IncomingMessage, res: ServerResponse, name: string): Repo | undefined => {
    const repo = repos.get(name);
    const auth = req.headers.authorization;
    if (auth && !user(req)) return void error(res, 401, "Invalid credentials in Authorization header");
    if (!repo) return void error(res, 404, "Repository not found", "RepoNotFound");
    if (repo.private && !user(req)) return void error(res, 401, "Repository not found or private", "RepoNotFound");
    return repo;
  };
  const resolveRev = (repo: Repo, rev: string) => (repo.commits.has(rev) ? rev : repo.branches.get(rev === "HEAD" ? "main" : rev));

  const entry = (path: string, data: Buffer) => {
    const e: Record<string, unknown> = { type: "file", oid: gitOid(data), size: data.length, path };
    if (isLfs(path, data.length)) e.lfs = { oid: sha256(data), size: data.length, pointerSize: 134 };
    return e;
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", base);
    const path = decodeURIComponent(url.pathname);
    let m: RegExpExecArray | null;

    if ((m = /^\/api\/datasets\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path))) {
      const repo = readable(req, res, m[1]);
      if (!repo) return;
      const sha = resolveRev(repo, m[2]);
      if (!sha) return error(res, 404, `Invalid rev id: ${m[2]}`, "RevisionNotFound");
      return json(res, 200, { _id: m[1], id: m[1], sha, private: repo.private, gated: false, downloads: 0, likes: 0, lastModified: new Date(0).toISOString() });
    }
    if ((m = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(path))) {
      const repo = readable(req, res, m[1]);
      if (!repo) return;
      const sha = resolveRev(repo, m[2]);
      if (!sha) return error(res, 404, `Invalid rev id: ${m[2]}`, "RevisionNotFound");
      const folder = m[3] ? m[3].replace(/\/$/, "") + "/" : "";
      const recursive = url.searchParams.get("recursive") === "true";
      const files = [...repo.commits.get(sha)!].filter(([p]) => p.startsWith(folder) && (recursive || !p.slice(folder.length).includes("/")));
      if (folder && files.length === 0) return error(res, 404, `Entry not found`, "EntryNotFound");
      files.sort(([a], [b]) => (a < b ? -1 : 1));
      const cursor = Number(url.searchParams.get("cursor") ?? 0);
      const page = files.slice(cursor, cursor + PAGE).map(([p, d]) => entry(p, d));
      const headers: Record<string, string> = {};
      if (cursor + PAGE < files.length) {
        const next = new URL(url);
        next.searchParams.set("cursor", String(cursor + PAGE));
        headers.Link = `<${next.href}>; rel="next"`;
      }
      return json(res, 200, page, headers);
    }
    if ((m = /^\/api\/datasets\/([^/]+\/[^/]+)\/paths-info\/(.+)$/.exec(path)) && req.method === "POST") {
      const repo = readable(req, res, m[1]);
      if (!repo) return;
      const sha = resolveRev(repo, m[2]);
      if (!sha) return error(res, 404, `Invalid rev id: ${m[2]}`, "RevisionNotFound");
      const { paths } = JSON.parse((await readBody(req)).toString()) as { paths: string[] };
      const tree = repo.commits.get(sha)!;
      return json(res, 200, paths.filter((p) => tree.has(p)).map((p) => entry(p, tree.get(p)!)));
    }
    if ((m = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path))) {
      const repo = readable(req, res, m[1]);
      if (!repo) return;
      const sha = resolveRev(repo, decodeURIComponent(m[2]));
      const data = sha ? repo.commits.get(sha)!.get(m[3]) : undefined;
      if (!data) return error(res, 404, "Entry not found", "EntryNotFound");
      const etag = `"${oidOf(m[3], data)}"`;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
      const headers: Record<string, string> = { "accept-ranges": "bytes", etag, "x-repo-commit": sha!, "content-type": "application/octet-stream" };
      if (isLfs(m[3], data.length)) headers["x-linked-etag"] = etag;
      let body = data;
      let status = 200;
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
        if (start >= data.length) return error(res, 416, "Range not satisfiable");
        body = data.subarray(start, end + 1);
        status = 206;
        headers["content-range"] = `bytes ${start}-${end}/${data.length}`;
      }
      headers["content-length"] = String(body.length);
      return send(req, res, status, headers, req.method === "HEAD" ? Buffer.alloc(0) : body);
    }
    if (path === "/api/whoami-v2") {
      const name = user(req);
      if (!name) return error(res, 401, "Invalid credentials in Authorization header");
      return json(res, 200, { type: "user", name, auth: { type: "access_token", accessToken: { displayName: "test", role: "write" } } });
    }
    if (path === "/api/repos/create" && req.method === "POST") {
      if (!user(req)) return error(res, 401, "Invalid credentials in Authorization header");
      const body = JSON.parse((await readBody(req)).toString()) as { name: string; organization?: string; visibility?: string };
      const name = `${body.organization ?? user(req)}/${body.name}`;
      if (repos.has(name)) return error(res, 409, "You already created this dataset repo");
      repos.set(name, { private: body.visibility === "private", commits: new Map([["0".repeat(40), new Map()]]), branches: new Map([["main", "0".repeat(40)]]), log: [] });
      return json(res, 200, { url: `${base}/datasets/${name}`, id: name });
    }
    if ((m = /^\/api\/datasets\/([^/]+\/[^/]+)$/.exec(path)) && req.method === "GET") {
      const repo = readable(req, res, m[1]);
      if (!repo) return;
      return json(res, 200, { id: m[1], private: repo.private });
    }
    if ((m = /^\/api\/datasets\/([^/]+\/[^/]+)\/preupload\/(.+)$/.exec(path)) && req.method === "POST") {
      if (!user(req)) return error(res, 401, "Invalid credentials in Authorization header");
      if (!repos.has(m[1])) return error(res, 404, "Repository not found");
      const { files } = JSON.parse((await readBody(req)).toString()) as { files: { path: string; size: number }[] };
      return json(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: isLfs(f.path, f.size) ? "lfs" : "regular", shouldIgnore: false })) });
    }
    if ((m = /^\/datasets\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path)) && req.method === "POST") {
      if (!user(req)) return error(res, 401, "Invalid credentials in Authorization header");
      const body = JSON.parse((await readBody(req)).toString()) as { objects: { oid: string; size: number }[] };
      return json(res, 200, {
        transfer: "basic",
        objects: body.objects.map((o) => (lfs.has(o.oid) ? { oid: o.oid, size: o.size } : { oid: o.oid, size: o.size, actions: { upload: { href: `${base}/lfs-upload/${o.oid}`, header: {} } } })),
      });
    }
    if ((m = /^\/lfs-upload\/([0-9a-f]{64})$/.exec(path)) && req.method === "PUT") {
      const data = await readBody(req);
      hub.uploadedBytes += data.length;
      if (sha256(data) !== m[1]) return error(res, 400, "sha256 mismatch: incomplete upload");
      lfs.set(m[1], data);
      res.writeHead(200, { etag: `"${m[1]}"` });
      return res.end();
    }
    if ((m = /^\/api\/datasets\/([^/]+\/[^/]+)\/commit\/(.+)$/.exec(path)) && req.method === "POST") {
      if (!user(req)) return error(res, 401, "Invalid credentials in Authorization header");
      const repo = repos.get(m[1]);
      if (!repo) return error(res, 404, "Repository not found");
      const lines = (await readBody(req)).toString().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: any });
      const files: Record<string, Buffer> = {};
      for (const { key, value } of lines) {
        if (key === "file") files[value.path] = Buffer.from(value.content, "base64");
        if (key === "lfsFile") {
          const data = lfs.get(value.oid);
          if (!data) return error(res, 422, `LFS object ${value.oid} was never uploaded`);
          files[value.path] = data;
        }
      }
      const sha = hub.commit(m[1], files, { branch: m[2] });
      return json(res, 200, { commitOid: sha, commitUrl: `${base}/datasets/${m[1]}/commit/${sha}` });
    }
    return error(res, 404, `no route for ${req.method} ${path}`);
  }

  /** Sends a body, applying a drop fault if one matches. */
  function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer) {
    const rule = (res as ServerResponse & { fault?: HubFault }).fault;
    res.writeHead(status, headers);
    // A drop rule applies to bodies longer than its cut (not to the client's 1-byte metadata probes).
    if (rule?.dropAfterBytes !== undefined && body.length > rule.dropAfterBytes) {
      rule.times = (rule.times ?? 1) - 1;
      res.write(body.subarray(0, rule.dropAfterBytes), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  }

  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const rule = faults.find((f) => (f.times ?? 1) > 0 && (!f.method || f.method === req.method) && f.path.test(req.url ?? ""));
    if (rule) {
      if (rule.status || req.method === "PUT") rule.times = (rule.times ?? 1) - 1;
      if (rule.status) {
        req.resume();
        return error(res, rule.status, "injected fault");
      }
      if (rule.dropAfterBytes !== undefined && req.method === "PUT") {
        // An upload cut short: read part of it, then drop the connection.
        let got = 0;
        req.on("data", (c: Buffer) => {
          got += c.length;
          if (got >= rule.dropAfterBytes!) req.socket.destroy();
        });
        return;
      }
      (res as ServerResponse & { fault?: HubFault }).fault = rule;
    }
    handle(req, res).catch((err: Error) => error(res, 500, err.message));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.url = base;
  return hub;
}
