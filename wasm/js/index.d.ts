// Types of @resale/resale. Shapes are the JSON reports of resale-core
// (core/src/report.rs); every failure is a thrown ResaleError.

export class ResaleError extends Error {
  /** Stable machine code, e.g. `kn.malformed`, `catalog.json.invalid`. */
  code: string;
  /** The parameter, JSON path or header at fault, when there is one. */
  field: string | null;
  /** Byte offset in a catalog feed, for catalog errors. */
  offset: number | null;
  /** The code's family, from its first segment. */
  domain: "policy" | "shop_request" | "catalog" | "license" | "marketplace" | "input" | "argument" | "internal";
  /** The failure's answer object (the shape the shared vectors pin). */
  report: Record<string, unknown>;
}

export type RewriteResult =
  | { status: "rewritten"; url: string }
  | { status: "unchanged"; reason: "host.not_plesk_store" | "path.not_buy_link" | "extension_id.malformed"; message: string };

export interface ShopRequest {
  extension_id: string;
  key_number: string;
  token: string | null;
  product_id: string | null;
  coupon: string | null;
  action: "buy" | "upgrade";
  extension_key_number: string | null;
}

export interface CheckResult {
  status: "accepted";
  request: ShopRequest;
  redirect_url: string;
}

export type CatalogKind = "packages" | "categories" | "other";

export interface CatalogStats {
  kind: CatalogKind;
  items: number;
  kept: number;
  dropped: number;
  kept_free: number;
  kept_elsewhere: number;
  kept_sold: number;
  rewritten: number;
  top_packages_kept: number;
  top_packages_dropped: number;
  bytes_in: number;
  bytes_out: number;
}

/** The rule that decided an item (with the link's host, or the allow pattern). */
export type CatalogRule =
  | { rule: "free" }
  | { rule: "sold_elsewhere"; host: string | null }
  | { rule: "sold_by_shop" }
  | { rule: "allowed_by_pattern"; pattern: string }
  | { rule: "not_sold" };

export type ItemDecision = {
  index: number;
  code: string | null;
  name: string | null;
  decision: "kept" | "hidden";
} & CatalogRule;

export interface CategoryDecision {
  index: number;
  code: string | null;
  name: string | null;
  kept: number;
  hidden: ({ index: number; code: string | null; name: string | null } & CatalogRule)[];
}

export interface Explanation {
  status: "ok";
  kind: CatalogKind;
  items: ItemDecision[];
  categories: CategoryDecision[];
  summary: CatalogStats;
}

export interface IncrementalFilter {
  push(chunk: Uint8Array | ArrayBuffer | string): Uint8Array;
  finish(): Uint8Array;
  /** Set by a successful finish(). */
  stats: CatalogStats | null;
}

export interface LicenseStep {
  id: string;
  method: "POST" | "GET" | "PUT";
  path: string;
  auth: "basic" | "body";
  headers: [string, string][];
  body: string;
  body_from: TargetStateSpec | null;
  expect_status: number;
  expect_result_codes: number[];
  depends_on: string[];
  extension_id: string | null;
  product_id: string | null;
}

export interface TargetStateSpec {
  step: string;
  replace: string[];
  item: string;
  external_id: string;
}

export interface OrderContext {
  order_id: string;
  api: "v3" | "v1";
  owner_id?: string | null;
  server_ips?: string[];
  upgrade_plan?: string | null;
}

export interface LicensePlan {
  api: "v3" | "v1";
  scenario: "upsell" | "upgrade" | "new_instance";
  order: Required<OrderContext>;
  steps: LicenseStep[];
  activation: string;
}

export class Policy {
  static fromJson(text: string | object): Policy;
  rewriteBuyUrl(url: string): RewriteResult;
  checkShopRequest(query: string | Record<string, string>): CheckResult;
  catalogKind(path: string): CatalogKind;
  filterCatalog(path: string, body: Uint8Array | ArrayBuffer | string): Uint8Array;
  explainCatalog(path: string, body: Uint8Array | ArrayBuffer | string): Explanation;
  catalogFilter(path: string): IncrementalFilter;
  catalogTransform(path: string): TransformStream<Uint8Array, Uint8Array>;
  /** The filtered feed of `body`, read in blocks of at least `block` bytes where the runtime can; errors on an invalid or broken feed, and sends the feed's last non-whitespace byte only once `body` has ended. */
  catalogStream(path: string, body: ReadableStream<Uint8Array>, block?: number): ReadableStream<Uint8Array>;
  panelIni(catalogUrl?: string | null): { status: "ok"; text: string };
  /** `request`: an answer of checkShopRequest (its query is checked again; a copy's fields are read as a query) or a query to check. */
  licensePlan(request: CheckResult | string | Record<string, string>, order: OrderContext | string): { status: "ok"; plan: LicensePlan };
  newInstancePlan(mainItem: string, extensions: string[], order: OrderContext | string): { status: "ok"; plan: LicensePlan };
}

/** An HTTP answer rendered by the core: send it as it is. */
export interface Reply {
  status: number;
  headers: [string, string][];
  body: string;
}

export interface GatewayRequest {
  method: string;
  /** Path and query, as sent. */
  target: string;
  accept?: string | null;
  ifNoneMatch?: string | null;
  /** The `Accept-Encoding` header (a feed kept gzipped goes out as it is when it allows gzip). */
  acceptEncoding?: string | null;
}

export type Route =
  | { kind: "reply"; reply: Reply }
  | { kind: "webhook" }
  | { kind: "catalog"; feed: CatalogKind; method: "GET" | "HEAD"; url: string; headers: [string, string][]; cache_key: string; accepts_gzip: boolean };

/** `whole`: the Content-Length to read the body whole at (up to 8 MiB, a body not decoded), or null: stream it. */
export type CatalogAnswer = { action: "reply"; reply: Reply } | { action: "pass" } | { action: "filter"; reply: Reply; ttl: number; whole: number | null };

/** The edge's routes and answers (resale_core::gateway). */
export class Gateway {
  static fromJson(text: string | object): Gateway;
  readonly policy: Policy;
  readonly policyDigest: string;
  route(request: GatewayRequest, upstream?: string): Route;
  catalogAnswer(request: GatewayRequest, status: number, headers: Iterable<[string, string]>, decodes?: string[]): CatalogAnswer;
  /** The reply to hold the whole filtered `feed` under, for the upstream answer catalogAnswer said `filter` to: its headers and, where the upstream gave no validator, an `etag` of the feed; null for another answer. */
  catalogToHold(request: GatewayRequest, status: number, headers: Iterable<[string, string]>, decodes: string[] | undefined, feed: Uint8Array | ArrayBuffer | string): Reply | null;
  /** The whole `feed` filtered in one call: `{body}`, or `{reply}`: the gateway's 502 with the catalog error's code and offset (CatalogPlan::invalid_feed). */
  catalogWhole(request: GatewayRequest, feed: Uint8Array | ArrayBuffer | string): { body: Uint8Array; reply?: undefined } | { body?: undefined; reply: Reply };
  /** The `502 upstream.truncated` reply for a body that ended before its Content-Length (`expected` bytes), after `received` (null: not known). */
  catalogTruncated(request: GatewayRequest, received: number | null, expected: number, detail: string): Reply;
  catalogUnreachable(request: GatewayRequest, detail: string): Reply;
  catalogCached(request: GatewayRequest, etag: string, cacheControl: string): Reply | null;
  /** A cached feed (gzip-compressed when `gzipped`): 304, or 200 with the headers of the representation sent (gzip: the ETag weakened, RFC 9110 §8.8.3). */
  catalogHeld(request: GatewayRequest, headers: Iterable<[string, string]>, gzipped: boolean): { status: 200 | 304; gzip: boolean; headers: [string, string][] };
  bodyEtag(target: string, body: Uint8Array | ArrayBuffer | string): string | null;
  buy(query: string, accept?: string | null): Reply;
  catalogTransform(target: string): TransformStream<Uint8Array, Uint8Array>;
  /** The feed this isolate holds under `key`, still fresh, or undefined. */
  recent(key: string): { body: Uint8Array; headers: [string, string][] } | undefined;
  /** Hold a feed just stored under `key` for `ttl` seconds (at most 16 feeds, 8 MiB); throws ResaleError `argument.headers` for headers that are not `[name, value]` string pairs. */
  hold(key: string, body: Uint8Array, headers: Iterable<[string, string]>, ttl: number): void;
  static errorReply(status: number, code: string, message: string): Reply;
  /** The webhook secrets of a one-per-line setting (trimmed, empty lines skipped). */
  static webhookSecrets(setting: string | null | undefined): string[];
  static webhookReceive(body: Uint8Array | string, signature: string | null | undefined, event: string | null | undefined, secrets: string[]): { reply: Reply } | { account_id: number };
  static webhookApply(state: Entitlement | null, body: Uint8Array | string): { reply: Reply; store: Entitlement | null };
  /** The X-GitHub-Delivery a store keys redeliveries by, or the 400 reply. */
  static webhookDelivery(header: string | null | undefined): { id: string; reply?: undefined } | { reply: Reply; id?: undefined };
  /** A store's new delivery folded with the kept ones (the new one last) from `base`: keep `entitlement` and `answer` unless null. */
  static webhookReplay(base: Entitlement | null, bodies: (string | Uint8Array)[]): { reply: Reply; entitlement: Entitlement | null; answer: object | null };
  /** The reply to a delivery ID seen before, from the answer kept then. */
  static webhookRedelivered(answer: object): Reply;
}

export interface Entitlement {
  account: { type: string; id: number; login: string; organization_billing_email: string | null };
  status: "active" | "cancelled";
  plan: { id: number; name: string; monthly_price_in_cents: number; yearly_price_in_cents: number; price_model: "FLAT_RATE" | "PER_UNIT" | "FREE"; unit_name: string | null; has_free_trial: boolean; bullets: string[] };
  unit_count: number;
  billing_cycle: "monthly" | "yearly" | null;
  on_free_trial: boolean;
  free_trial_ends_on: string | null;
  next_billing_date: string | null;
  pending: { effective_date: string; plan: Entitlement["plan"]; unit_count: number; billing_cycle: "monthly" | "yearly" | null } | null;
  ends_at: string | null;
  as_of: string;
  last_event: string;
  /** Present once `marketplace.reconcile` repaired the state. */
  reconciled_at?: string;
}

/** One difference between GitHub's accounts listing and a stored entitlement. */
export interface Difference {
  account_id: number;
  login: string;
  kind: "missing" | "status" | "plan" | "unit_count" | "billing_cycle" | "free_trial" | "pending_change" | "unlisted";
  stored: unknown;
  listed: unknown;
  repair: "create" | "reactivate" | "set_plan" | "set_unit_count" | "set_billing_cycle" | "set_free_trial" | "set_pending" | "clear_pending" | "cancel";
}

export const marketplace: {
  verify(body: Uint8Array | string, signatureHeader: string | null | undefined, secrets: string[]): { status: "ok" };
  apply(state: Entitlement | null, body: Uint8Array | string): { status: "applied" | "ignored"; reason: string | null; duplicate_purchase: boolean; entitlement: Entitlement };
  seat(state: Entitlement, seat: number, now: string | Date): { status: "ok"; entitled: boolean; trial_days_remaining: number | null; seat: { allowed: boolean; reason: string; limit: number | null } };
  /** An account's deliveries (raw payloads, newest arrival last) folded in event order from `base`: the last one's answer, the entitlement after all. */
  replay(base: Entitlement | null, bodies: (string | Uint8Array)[] | string): { status: "applied" | "ignored"; reason: string | null; duplicate_purchase: boolean; entitlement: Entitlement };
  /** GitHub's accounts listing (every plan, every page) against the stored entitlements, as of `now` (when the listing was read). */
  reconcile(accounts: object[] | string, stored: Entitlement[], now: string | Date): { status: "ok"; differences: Difference[]; repaired: Entitlement[] };
};

export const license: {
  activationCommands(code: string, os?: "linux" | "windows"): { status: "ok"; commands: string[] };
  parseKey(body: string | object, location?: string | null): { status: "ok"; key: { key_id: string | null; key_number: string | null; activation_code: string | null; parent_key_number: string | null; status: string | null; location: string | null } };
  upgradeTargetState(key: string | object, spec: TargetStateSpec | string): { status: "ok"; body: string };
};
