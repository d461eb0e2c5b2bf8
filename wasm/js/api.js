// The JavaScript face of resale: plain objects in and out, `ResaleError`
// thrown for failures. Every rule is in the Rust core; this file only turns
// its JSON answers into JavaScript values and its errors into ResaleError.
// `bind(raw)` takes the wasm-bindgen module once it is initialised (see
// node.js and workerd.js).

/**
 * Every failure: the core's error (stable `code`, `field` at fault, byte
 * `offset`, `message`), its `domain` (`policy`, `shop_request`, `catalog`,
 * …) and the failure's `report` (the answer shape of the shared vectors).
 */
export class ResaleError extends Error {
  constructor(thrown) {
    super(thrown.message ?? thrown.code);
    this.name = "ResaleError";
    this.code = thrown.code;
    this.field = thrown.field ?? null;
    this.offset = thrown.offset ?? null;
    this.domain = thrown.domain;
    this.report = thrown.report;
  }
}

/**
 * The one failure channel: a wasm call returns its answer as JSON text or
 * throws the error as JSON text; the latter becomes a ResaleError.
 */
function call(f) {
  let text;
  try {
    text = f();
  } catch (e) {
    if (typeof e === "string") throw new ResaleError(JSON.parse(e));
    throw e;
  }
  return typeof text === "string" ? JSON.parse(text) : text;
}

// The query behind each answer of checkShopRequest, for licensePlan, which
// checks it again (a pure function of the same compiled policy: the same
// request). Only the text is kept, in JavaScript: a wasm object per answer,
// freed when the collector finalized the answer, made every check cost
// 25-140 µs in Node instead of about 4.
const checked = new WeakMap();

const bytes = (b) => (typeof b === "string" ? new TextEncoder().encode(b) : b instanceof Uint8Array ? b : new Uint8Array(b));

/** The index of the last byte of `chunk` that is not JSON whitespace, or -1. */
function lastNonSpace(chunk) {
  let i = chunk.length - 1;
  while (i >= 0 && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)) i--;
  return i;
}

export function bind(raw) {
  class Policy {
    #p;
    constructor(inner) {
      this.#p = inner;
    }
    /** Compile a policy; throws ResaleError (`policy.*`, with `field` the JSON path). */
    static fromJson(text) {
      return new Policy(call(() => raw.Policy.fromJson(typeof text === "string" ? text : JSON.stringify(text))));
    }
    /** `{status:"rewritten", url}` or `{status:"unchanged", reason, message}`; throws for a non-URL. */
    rewriteBuyUrl(url) {
      return call(() => this.#p.rewriteBuyUrl(url));
    }
    /** `{status:"accepted", request, redirect_url}`; throws ResaleError for a rejection. */
    checkShopRequest(query) {
      const q = queryText(query);
      const answer = call(() => this.#p.checkShopRequest(q));
      checked.set(answer, q);
      return answer;
    }
    /** `packages`, `categories` or `other`. */
    catalogKind(path) {
      return this.#p.catalogKind(path);
    }
    /** The filtered feed (Uint8Array); throws ResaleError (`catalog.*`, with `offset`). */
    filterCatalog(path, body) {
      return call(() => this.#p.filterCatalog(path, bytes(body)));
    }
    /** An incremental filter: `push(chunk) -> Uint8Array`, `finish() -> Uint8Array`, `stats()`. */
    /** Why each item is kept or hidden: `{status:"ok", kind, items, categories, summary}`; throws ResaleError as filterCatalog. */
    explainCatalog(path, body) {
      return call(() => this.#p.explainCatalog(path, bytes(body)));
    }
    catalogFilter(path) {
      const f = this.#p.catalogFilter(path);
      return {
        push(chunk) {
          return call(() => f.push(bytes(chunk)));
        },
        finish() {
          try {
            return call(() => f.finish());
          } finally {
            this.stats = JSON.parse(f.stats() ?? "null");
            f.free();
          }
        },
        stats: null,
      };
    }
    /** A TransformStream filtering a response body for the request `path`. */
    catalogTransform(path) {
      const f = this.catalogFilter(path);
      return new TransformStream({
        transform(chunk, controller) {
          const out = f.push(chunk);
          if (out.length) controller.enqueue(out);
        },
        flush(controller) {
          const out = f.finish();
          if (out.length) controller.enqueue(out);
        },
      });
    }
    /**
     * The filtered feed of `body` (a ReadableStream of bytes) for the request `path`, as a
     * ReadableStream, read in blocks of at least `block` bytes where the runtime can (workerd's
     * BYOB `readAtLeast`). Why not `body.pipeThrough(catalogTransform(path))`: in workerd each
     * chunk read into JavaScript and each chunk sent costs more than filtering it (the 672 KB
     * fixture arrives in 165 chunks of 4 KB; an identity TransformStream alone costs 25 ms of CPU
     * per request there, this about 4). An invalid or broken feed errors the stream.
     *
     * The last non-whitespace byte decided (and any whitespace after it) is held back until
     * `body` has ended and the feed is finished: a stream that errors has then never sent the
     * feed's closing `]`, so what a client received is never a complete feed, even where the
     * runtime ends an errored response cleanly instead of aborting it (workerd up to
     * 1.20260426.x, cloudflare/workerd#6818). Usually one byte is held; a tail of whitespace
     * only as long as the upstream sends it.
     */
    catalogStream(path, body, block = 256 * 1024) {
      const f = this.catalogFilter(path);
      let reader, byob = true, buf = new ArrayBuffer(block);
      try {
        reader = body.getReader({ mode: "byob" });
      } catch {
        [reader, byob] = [body.getReader(), false]; // not a byte stream
      }
      const next = !byob ? () => reader.read() : reader.readAtLeast ? () => reader.readAtLeast(block, new Uint8Array(buf)) : () => reader.read(new Uint8Array(buf));
      let held = []; // the output from its last non-whitespace byte on, not yet sent
      return new ReadableStream({
        async pull(controller) {
          for (;;) {
            const { done, value } = await next();
            if (value && byob) buf = value.buffer; // the block handed back, to read into again
            const out = [value?.byteLength ? f.push(value) : null, done ? f.finish() : null].filter((o) => o?.length);
            if (done) {
              [...held, ...out].forEach((o) => controller.enqueue(o));
              return controller.close();
            }
            let sent = false;
            for (const o of out) {
              const last = lastNonSpace(o);
              if (last < 0) {
                held.push(o);
                continue;
              }
              sent ||= held.length > 0 || last > 0;
              held.forEach((h) => controller.enqueue(h));
              if (last > 0) controller.enqueue(o.subarray(0, last));
              held = [o.slice(last)];
            }
            if (sent) return;
          }
        },
        cancel: (reason) => reader.cancel(reason),
      });
    }
    /** `{status:"ok", text}`; throws for a bad catalog URL. */
    panelIni(catalogUrl) {
      return call(() => this.#p.panelIni(catalogUrl ?? undefined));
    }
    /** `{status:"ok", plan}` for `request`: an answer of checkShopRequest (its accepted request
     * is checked again from the query it answered, not from its fields) or a query to check; `order` is the order context
     * `{order_id, api, owner_id?, server_ips?}` (object or JSON text); throws ResaleError for a
     * rejection or a license error. */
    licensePlan(request, order) {
      const q = checked.has(request) ? checked.get(request) : queryText(request);
      const r = call(() => this.#p.acceptShopRequest(q));
      try {
        return call(() => this.#p.licensePlan(r, orderText(order)));
      } finally {
        r.free();
      }
    }
    /** `{status:"ok", plan}` for a new Plesk with `extensions` (codes). */
    newInstancePlan(mainItem, extensions, order) {
      return call(() => this.#p.newInstancePlan(mainItem, extensions, orderText(order)));
    }
  }

  const marketplace = {
    /** `{status:"ok"}`; throws ResaleError (`signature.*`). */
    verify(body, signatureHeader, secrets) {
      return call(() => raw.verifyWebhook(bytes(body), signatureHeader ?? undefined, secrets));
    },
    /** `{status:"applied"|"ignored", reason, duplicate_purchase, entitlement}`; throws for invalid events. */
    apply(state, body) {
      return call(() => raw.applyPurchase(state == null ? undefined : JSON.stringify(state), bytes(body)));
    },
    /** `{status:"ok", entitled, trial_days_remaining, seat:{allowed, reason, limit}}`. */
    seat(state, seat, now) {
      return call(() => raw.seatQuestion(JSON.stringify(state), seat, now instanceof Date ? now.toISOString() : now));
    },
    /**
     * An account's deliveries (`bodies`: raw payloads as strings or bytes, newest arrival last;
     * or the JSON text of their array)
     * folded in event order from `base` (null, or a reconciled state): the last delivery's
     * apply answer with the entitlement after all of them. Throws for the last delivery's error.
     */
    replay(base, bodies) {
      const text = (b) => (typeof b === "string" ? b : new TextDecoder().decode(b));
      const events = typeof bodies === "string" ? bodies : "[" + bodies.map(text).join(",") + "]";
      return call(() => raw.replayPurchases(base == null ? undefined : JSON.stringify(base), events));
    },
    /** `{status:"ok", differences, repaired}`; throws for an invalid listing or state. */
    reconcile(accounts, stored, now) {
      const listing = typeof accounts === "string" ? accounts : JSON.stringify(accounts);
      return call(() => raw.reconcileAccounts(bytes(listing), JSON.stringify(stored), now instanceof Date ? now.toISOString() : now));
    },
  };

  // Raw percent-encoding, never form encoding: `+` must stay `+`.
  const queryText = (q) => (q !== null && typeof q === "object" ? Object.entries(q).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&") : q);
  const orderText = (o) => (typeof o === "string" ? o : JSON.stringify(o));

  const license = {
    /** `{status:"ok", commands}`; throws for a code with anything but A-Z, 0-9 and '-'. */
    activationCommands(code, os = "linux") {
      return call(() => raw.activationCommands(code, os));
    },
    /** `{status:"ok", key}` from KA's answer to a v3 key request: its body and `Location` header. */
    parseKey(body, location) {
      return call(() => raw.parseKey(typeof body === "string" ? body : JSON.stringify(body), location ?? undefined));
    },
    /** `{status:"ok", body}`: the PUT body of a v3 upgrade from KA's GET answer and the step's `body_from`. */
    upgradeTargetState(key, spec) {
      return call(() => raw.upgradeTargetState(typeof key === "string" ? key : JSON.stringify(key), orderText(spec)));
    },
  };

  /**
   * The edge's routes and HTTP answers (resale_core::gateway). A reply is
   * `{status, headers: [[name, value]…], body}`; an edge sends it as it is.
   */
  class Gateway {
    #g;
    constructor(inner) {
      this.#g = inner;
      /** The same compiled policy, as a Policy (its catalog filter). */
      this.policy = new Policy(inner.policy());
    }
    /** Compile a policy; throws ResaleError (`policy.*`). */
    static fromJson(text) {
      return new Gateway(call(() => raw.Gateway.fromJson(typeof text === "string" ? text : JSON.stringify(text))));
    }
    get policyDigest() {
      return this.#g.policyDigest();
    }
    /** `{kind:"reply", reply}`, `{kind:"webhook"}` or `{kind:"catalog", feed, method, url, headers, cache_key, accepts_gzip}`. */
    route({ method, target, accept, ifNoneMatch, acceptEncoding }, upstream = "") {
      return JSON.parse(this.#g.route(method, target, accept ?? undefined, ifNoneMatch ?? undefined, acceptEncoding ?? undefined, upstream));
    }
    /**
     * `{action:"reply", reply}`, `{action:"pass"}` or `{action:"filter", reply, ttl, whole}` for the
     * upstream's status and headers. `whole`: the Content-Length to read the body whole at (then
     * catalogWhole; a body of another length: catalogTruncated), or null: stream it (catalogStream).
     * The rule is the core's (resale_core::gateway::WHOLE_FEED_LIMIT, 8 MiB).
     */
    catalogAnswer({ method, target, ifNoneMatch }, status, headers, decodes = []) {
      return call(() => this.#g.catalogAnswer(method, target, ifNoneMatch ?? undefined, status, JSON.stringify([...headers]), decodes, undefined));
    }
    /**
     * The reply to hold the whole filtered `feed` under, for the upstream answer catalogAnswer
     * said `filter` to (the same arguments): `{status, headers, body}`, its headers and, where the
     * upstream gave no validator, an `etag` of the feed (CatalogPlan::to_hold); null for another answer.
     */
    catalogToHold({ method, target, ifNoneMatch }, status, headers, decodes, feed) {
      const answer = call(() => this.#g.catalogAnswer(method, target, ifNoneMatch ?? undefined, status, JSON.stringify([...headers]), decodes ?? [], bytes(feed)));
      return answer.action === "filter" ? answer.hold : null;
    }
    /**
     * The whole `feed` (bytes) filtered in one call, for an edge that read the body before
     * answering: `{body}` (Uint8Array), or `{reply}` for a feed that cannot be filtered: the
     * gateway's `502` with the catalog error's code and offset (CatalogPlan::invalid_feed).
     */
    catalogWhole({ method, target }, feed) {
      try {
        return { body: call(() => this.#g.catalogWhole(method, target, bytes(feed))) };
      } catch (e) {
        if (e instanceof ResaleError && e.domain === "catalog") return { reply: e.report };
        throw e;
      }
    }
    /** The `502 upstream.truncated` reply for a body that ended before its Content-Length (`expected`), after `received` bytes (null: not known). */
    catalogTruncated({ method, target }, received, expected, detail) {
      return JSON.parse(this.#g.catalogTruncated(method, target, received ?? -1, expected, String(detail)));
    }
    /** The 502 reply for an upstream that did not answer. */
    catalogUnreachable({ method, target }, detail) {
      return JSON.parse(this.#g.catalogUnreachable(method, target, String(detail)));
    }
    /** The 304 reply for a cached feed under `etag`, or null. */
    catalogCached({ method, target, ifNoneMatch }, etag, cacheControl) {
      return JSON.parse(this.#g.catalogCached(method, target, ifNoneMatch ?? undefined, etag, cacheControl));
    }
    /** A cached feed under `headers` (gzip-compressed when `gzipped`): `{status: 304|200, gzip, headers}`, the representation to send. */
    catalogHeld({ method, target, ifNoneMatch, acceptEncoding }, headers, gzipped) {
      return call(() => this.#g.catalogHeld(method, target, ifNoneMatch ?? undefined, acceptEncoding ?? undefined, JSON.stringify([...headers]), Boolean(gzipped)));
    }
    /** The validator of a feed held whole. */
    bodyEtag(target, body) {
      return this.#g.bodyEtag(target, bytes(body)) ?? null;
    }
    /** The feed this isolate holds under `key` (resale_core::gateway::RecentFeeds): `{body, headers}`, or undefined. */
    recent(key) {
      const now = Date.now(); // one instant for both reads: a feed fresh for one is fresh for the other
      const body = this.#g.recentBody(key, now);
      return body && { body, headers: JSON.parse(this.#g.recentHeaders(key, now)) };
    }
    /** Hold a feed just stored under `key` (its bytes and headers, as stored) for `ttl` seconds; throws ResaleError `argument.headers` for headers that are not `[name, value]` string pairs. */
    hold(key, body, headers, ttl) {
      call(() => this.#g.hold(key, bytes(body), JSON.stringify([...headers]), ttl, Date.now()));
    }
    /** The /buy reply for a query. */
    buy(query, accept) {
      return JSON.parse(this.#g.buy(query, accept ?? undefined));
    }
    /** The incremental filter of `target`'s feed, as a TransformStream. */
    catalogTransform(target) {
      return this.policy.catalogTransform(target);
    }
    static errorReply(status, code, message) {
      return JSON.parse(raw.Gateway.errorReply(status, code, String(message)));
    }
    /** `{reply}` (answer it) or `{account_id}` (load that entitlement, then webhookApply). */
    /** The webhook secrets of a one-per-line setting (trimmed, empty lines skipped), as webhookReceive takes them. */
    static webhookSecrets(setting) {
      return raw.Gateway.webhookSecrets(setting ?? "");
    }
    static webhookReceive(body, signature, event, secrets) {
      return JSON.parse(raw.Gateway.webhookReceive(bytes(body), signature ?? undefined, event ?? undefined, secrets));
    }
    /** `{id}` (the X-GitHub-Delivery a store keys redeliveries by) or `{reply}` (400). */
    static webhookDelivery(header) {
      return JSON.parse(raw.Gateway.webhookDelivery(header ?? undefined));
    }
    /** `{reply, entitlement, answer}`: a store's new delivery folded with the kept ones (`bodies`, the new one last) from `base`; keep `entitlement` and `answer` unless they are null. */
    static webhookReplay(base, bodies) {
      const text = (b) => (typeof b === "string" ? b : new TextDecoder().decode(b));
      return JSON.parse(raw.Gateway.webhookReplay(base == null ? undefined : JSON.stringify(base), "[" + bodies.map(text).join(",") + "]"));
    }
    /** The reply to a delivery ID seen before, from the `answer` kept then. */
    static webhookRedelivered(answer) {
      return JSON.parse(raw.Gateway.webhookRedelivered(JSON.stringify(answer)));
    }
    /** `{reply, store}`: the answer, and the entitlement to store (or null). */
    static webhookApply(state, body) {
      return JSON.parse(raw.Gateway.webhookApply(state == null ? undefined : JSON.stringify(state), bytes(body)));
    }
  }

  return { Policy, Gateway, ResaleError, marketplace, license };
}
