// The Node twin of ../../basic/app.py: the same actions, for the parametrised emulator tests.
const fs = require("fs");

let COUNTER = 0;
const INIT_PID = process.pid;
console.log("init ran");

exports.handler = async (event, context) => {
  COUNTER += 1;
  const action = event && typeof event === "object" ? event.action : undefined;
  console.log(`handling ${context.awsRequestId} count=${COUNTER}`);
  if (action === "sleep") {
    if (event.marker) fs.writeFileSync(event.marker, "running"); // for tests that wait on it
    await new Promise((resolve) => setTimeout(resolve, (event.seconds ?? 0.3) * 1000));
  } else if (action === "fail") {
    throw new Error("boom");
  } else if (action === "exit") {
    process.exit(3);
  } else if (action === "eat") {
    const hog = [];
    for (;;) {
      hog.push(Buffer.alloc(8 * 1024 * 1024, 1));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } else if (action === "env") {
    return Object.fromEntries(event.names.map((k) => [k, process.env[k] ?? null]));
  } else if (action === "context") {
    return {
      arn: context.invokedFunctionArn,
      remaining: context.getRemainingTimeInMillis(),
      client: context.clientContext ? context.clientContext.custom ?? null : null,
      memory: String(context.memoryLimitInMB),
      version: context.functionVersion,
    };
  }
  return { count: COUNTER, pid: process.pid, init_pid: INIT_PID, echo: event };
};
