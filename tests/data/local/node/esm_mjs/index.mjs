// An ES module handler (.mjs), with top-level await in its init.
const started = await Promise.resolve(process.pid);

export const handler = async (event, context) => ({
  format: "mjs",
  pid: started,
  name: context.functionName,
  group: context.logGroupName,
  stream: context.logStreamName,
  request: context.awsRequestId,
  waits: context.callbackWaitsForEmptyEventLoop,
});
