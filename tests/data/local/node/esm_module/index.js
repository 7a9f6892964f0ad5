// "type": "module" in package.json: index.js is an ES module.
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url)));

export const handler = async () => ({ format: "module", type: pkg.type });
