// The resolve hook node_preload.mjs registers: a bare specifier Node cannot find from the
// importing file is looked for in each NODE_PATH folder, in order.
import { pathToFileURL } from "node:url";

const folders = (process.env.NODE_PATH || "").split(":").filter(Boolean);
const bare = (specifier) => !/^(\.|\/|file:|node:|data:|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !bare(specifier)) throw error;
    for (const folder of folders) {
      try {
        return await nextResolve(specifier, { ...context, parentURL: pathToFileURL(`${folder}/`).href });
      } catch {
        // not in this folder
      }
    }
    throw error;
  }
}
