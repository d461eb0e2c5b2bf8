// Runs every shared vector inside workerd, through the engine's workerd entry
// point, and answers the counts and failures as JSON.
import * as api from "./resale/workerd.js";
import { runVectors } from "./runner.mjs";
import bundle from "./vectors.json";

export default {
  async fetch() {
    return Response.json(runVectors(api, bundle.docs, bundle.policies));
  },
};
