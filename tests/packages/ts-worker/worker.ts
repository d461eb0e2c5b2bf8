// A minimal TypeScript worker on the installed npm package: type-checked by
// tsc against @cloudflare/workers-types and the package's own index.d.ts,
// then bundled by wrangler and run in workerd (tests/packages/npm.test.mjs).
import { Policy, ResaleError, type CheckResult } from "@resale/resale";

interface Env {
  POLICY: string;
}

export default {
  fetch(request: Request, env: Env): Response {
    const query = new URL(request.url).search;
    try {
      const answer: CheckResult = Policy.fromJson(env.POLICY).checkShopRequest(query);
      return Response.redirect(answer.redirect_url, 302);
    } catch (e) {
      if (e instanceof ResaleError) return Response.json({ code: e.code, field: e.field }, { status: 400 });
      throw e;
    }
  },
} satisfies ExportedHandler<Env>;
