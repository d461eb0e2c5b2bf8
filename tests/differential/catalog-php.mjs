// Differential oracle: the catalog filter against PHP's json_decode reading
// of the same bytes (which item Plesk itself would see), for duplicate-key and
// escape cases. Usage: node tests/differential/catalog-php.mjs target/release/resale
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2] ?? path.join(here, "../../target/release/resale");
const SOLD = ["docker", "wp-toolkit"];
const S = "https://go.plesk.com/buy-plesk-ext/x";
const item = (id, members) => `{"id":${id},${members}}`;
const cases = {
  "plain": [item(1, `"code":"docker","buy_url":"${S}"`), item(2, `"code":"seo","buy_url":"${S}"`), item(3, `"code":"seo"`)],
  "php-escaped-slashes": [item(1, `"code":"seo","buy_url":"https:\\/\\/go.plesk.com\\/x"`), item(2, `"code":"docker","buy_url":"https:\\/\\/go.plesk.com\\/x"`)],
  "unicode-escaped-code": [item(1, `"code":"wp\\u002dtoolkit","buy_url":"${S}"`), item(2, `"code":"se\\u006f","buy_url":"${S}"`)],
  "unicode-escaped-key": [item(1, `"\\u0063ode":"seo","buy_url":"${S}"`), item(2, `"code":"docker","buy\\u005furl":"${S}"`)],
  "duplicate-code-last-wins": [item(1, `"code":"docker","code":"seo","buy_url":"${S}"`), item(2, `"code":"seo","code":"docker","buy_url":"${S}"`)],
  "duplicate-buy-url-last-wins": [item(1, `"code":"seo","buy_url":"${S}","buy_url":"https://isv.example/"`), item(2, `"code":"seo","buy_url":"https://isv.example/","buy_url":"${S}"`)],
  "escaped-duplicate-key": [item(1, `"code":"seo","buy_url":"https://isv.example/","buy_\\u0075rl":"${S}"`)],
  "null-empty-absent-nonstring": [item(1, `"code":"a","buy_url":null`), item(2, `"code":"b","buy_url":""`), item(3, `"code":"c"`), item(4, `"code":"d","buy_url":7`), item(5, `"code":7,"buy_url":"${S}"`)],
  "nested-members-do-not-count": [item(1, `"code":"seo","vendor":{"buy_url":"${S}","code":"docker"}`)],
  "upper-case-host-trailing-dot": [item(1, `"code":"seo","buy_url":"HTTPS://GO.PLESK.COM./x"`), item(2, `"code":"docker","buy_url":"https://go.plesk.com./x"`)],
  "look-alike-hosts": [item(1, `"code":"seo","buy_url":"https://go.plesk.com.vendor.example/"`), item(2, `"code":"seo","buy_url":"https://evil.example/?go.plesk.com"`)],
  "whitespace-and-numbers": [`\n {"id" : 1 , "code" : "seo" , "n" : -1.5E+10 , "buy_url" : "${S}" }`, item(2, `"code":"git","big":123456789012345678901234567890`)],
  "unicode-text": [item(1, `"code":"seo","name":"Größe サーバー 𝄞","buy_url":"https://isv.example/"`), item(2, `"code":"seo","name":"\\ud834\\udd1e","buy_url":"${S}"`)],
};
// Deliberate disagreements, with the reason:
const DELIBERATE = {
  // PHP cannot hold a property name starting with NUL and refuses the whole
  // document; the engine filters by the rule and copies bytes, so Plesk
  // receives the same bytes it would have refused from the upstream.
  "nul-in-key": [item(1, `"\\u0000x":1,"code":"seo","buy_url":"${S}"`), item(2, `"code":"git"`)],
};

const all = { ...cases, ...DELIBERATE };
const input = Object.entries(all).map(([name, items]) => ({ name, policy_sells: SOLD, feed: `[${items.join(",")}]` }));
const php = Object.fromEntries(
  execFileSync("php", [path.join(here, "catalog-php.php")], { input: JSON.stringify(input), encoding: "utf8" })
    .trim().split("\n").map((l) => JSON.parse(l)).map((r) => [r.name, r]),
);
const dir = mkdtempSync(path.join(tmpdir(), "resale-php-oracle-"));
const policy = path.join(dir, "policy.json");
writeFileSync(policy, JSON.stringify({ shop_url: "https://shop.example", extensions: Object.fromEntries(SOLD.map((c) => [c, {}])) }));

let agree = 0;
const disagree = [];
for (const { name, feed } of input) {
  const out = execFileSync(bin, ["filter", "--policy", policy, "--path", "/api/v4/packages"], { input: feed });
  const ours = JSON.parse(out.toString()).map((i) => i.id);
  const theirs = php[name];
  const same = theirs.decoded && JSON.stringify(ours) === JSON.stringify(theirs.kept_ids);
  if (same) agree++;
  else if (name in DELIBERATE) console.log(`deliberate: ${name}: resale keeps ${JSON.stringify(ours)}, PHP decoded=${theirs.decoded}`);
  else disagree.push({ name, resale: ours, php: theirs });
}
console.log(`php oracle: ${input.length} feeds, ${agree} agree with PHP's json_decode reading, ${Object.keys(DELIBERATE).length} deliberate, ${disagree.length} disagree`);
for (const d of disagree) console.log(JSON.stringify(d));
process.exit(disagree.length ? 1 : 0);
