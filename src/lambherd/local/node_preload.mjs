// Loaded by lambherd before aws-lambda-ric (node --import): ES module imports of bare package
// names fall back to the NODE_PATH folders (a `lambherd build`'s node_modules, layers), which
// Node's ESM resolution does not read but Lambda's /var/task/node_modules layout makes work.
import { register } from "node:module";

register("./node_resolve.mjs", import.meta.url);
