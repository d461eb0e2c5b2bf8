// The `sample` environment's entry (`wrangler dev --env sample`, `make serve`):
// the worker of src/index.js with the sample catalog feeds bundled, which it
// serves, filtered, while UPSTREAM is empty. The default environment's entry is
// src/index.js itself, so a production bundle carries no sample feeds.
import worker from "./index.js";
import packages from "./fixtures/packages.feed";
import categories from "./fixtures/categories.feed";

export * from "./index.js";

const SAMPLE_FEEDS = { packages, categories };

export default {
  fetch: (request, env, ctx) => worker.fetch(request, { ...env, SAMPLE_FEEDS }, ctx),
};
