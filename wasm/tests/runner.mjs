// The shared-vector runner for the JavaScript API, usable in Node and in
// workerd alike (no Node modules): give it the API, the vector documents and
// the policies' texts; it returns the counts by function and the failures.
// Matching rule of tests/vectors/README.md. `onAnswer(function, answer,
// thrown, case, policy)`, when given, sees every answer (the type check of
// types.test.mjs collects them as samples); `thrown` is the ResaleError when
// the answer is its report.

export function runVectors(api, docs, policyTexts, onAnswer) {
  const { Policy, ResaleError, marketplace, license } = api;
  const compiled = new Map();
  const policy = (name) => {
    if (!compiled.has(name)) compiled.set(name, Policy.fromJson(policyTexts[name]));
    return compiled.get(name);
  };
  let thrown = null;
  const report = (call) => {
    try {
      return call();
    } catch (e) {
      if (!(e instanceof ResaleError)) throw e;
      thrown = e;
      return e.report;
    }
  };
  const RUNNERS = {
    lint: (_, input) => report(() => (Policy.fromJson(input), { status: "ok" })),
    rewrite: (p, input) => report(() => p.rewriteBuyUrl(input)),
    check: (p, input) => report(() => p.checkShopRequest(input)),
    panel_ini: (p, input) => report(() => p.panelIni(input.catalog_url)),
    // The package has no call answering this vector shape: the runner
    // makes it from the incremental filter's output and stats.
    filter_catalog: (p, input) =>
      report(() => {
        const f = p.catalogFilter(input.path);
        const head = f.push(input.body);
        const tail = f.finish();
        const body = new TextDecoder().decode(new Uint8Array([...head, ...tail]));
        return { status: "ok", kind: f.stats.kind, body, kept: f.stats.kept, dropped: f.stats.dropped };
      }),
    license_plan: (p, input) =>
      report(() => (input.main_item ? p.newInstancePlan(input.main_item, input.extensions, input.order) : p.licensePlan(input.query, input.order))),
    activation_commands: (_, input) => report(() => license.activationCommands(input.code, input.os)),
    parse_key: (_, input) => report(() => license.parseKey(input.body, input.location)),
    upgrade_target_state: (_, input) => report(() => license.upgradeTargetState(input.key, input.spec)),
    marketplace_verify: (_, input) => report(() => marketplace.verify(input.body, input.signature, input.secrets)),
    marketplace_apply: (_, input) => report(() => marketplace.apply(input.state, JSON.stringify(input.event))),
    marketplace_seat: (_, input) => report(() => marketplace.seat(input.state, input.seat, input.now)),
    marketplace_replay: (_, input) => report(() => marketplace.replay(input.base, Array.isArray(input.events) ? input.events.map((e) => JSON.stringify(e)) : JSON.stringify(input.events))),
    marketplace_reconcile: (_, input) => report(() => marketplace.reconcile(input.accounts, input.stored, input.now)),
  };
  const canonical = (v) => JSON.stringify(v, (k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
  const counts = {};
  const failures = [];
  for (const [file, doc] of docs) {
    const run = RUNNERS[doc.function];
    if (!run) {
      failures.push(`${file}: no runner for vector function ${doc.function}`);
      continue;
    }
    for (const c of doc.cases) {
      const p = c.policy ?? doc.policy;
      let actual;
      thrown = null;
      try {
        const compiledPolicy = p ? policy(p) : null;
        actual = run(compiledPolicy, c.input);
        onAnswer?.(doc.function, actual, thrown, c, compiledPolicy);
      } catch (e) {
        failures.push(`${file}: ${c.name}: threw ${e}`);
        continue;
      }
      const { message, ...got } = actual;
      const { message: _m, ...want } = c.expect;
      if ("message" in actual && !(typeof message === "string" && message.trim())) failures.push(`${file}: ${c.name}: empty message`);
      if (canonical(got) !== canonical(want)) failures.push(`${file}: ${c.name}:\n  expected ${canonical(want)}\n  actual   ${canonical(got)}`);
      counts[doc.function] = (counts[doc.function] ?? 0) + 1;
    }
  }
  return { counts, failures, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}
