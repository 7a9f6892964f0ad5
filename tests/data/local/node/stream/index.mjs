// A streaming handler (awslambda.streamifyResponse). It writes "part 0", waits for the file
// event.release (when given: the test reads part 0 first, which proves the response streams),
// then the other parts; event.http sends an HttpResponseStream prelude first, event.fail
// throws after part 0, event.big writes that many bytes in 1 MiB pieces.
import { existsSync } from "node:fs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = awslambda.streamifyResponse(async (request, responseStream, context) => {
  // behind a function URL, the same switches come as query parameters
  const query = request.queryStringParameters;
  const event = query ? { ...query, parts: query.parts && Number(query.parts) } : request;
  let out = responseStream;
  if (event.http) {
    out = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 201,
      headers: { "content-type": "text/plain", "x-streamed": "yes" },
      cookies: ["flavour=node"],
    });
  }
  if (event.big) {
    const piece = Buffer.alloc(1024 * 1024, 97);
    for (let sent = 0; sent < event.big; sent += piece.length) {
      out.write(piece.subarray(0, Math.min(piece.length, event.big - sent)));
    }
    out.end();
    return;
  }
  out.write(`part 0 ${context.awsRequestId}\n`);
  if (event.release) {
    while (!existsSync(event.release)) await sleep(10);
  }
  if (event.fail) throw new Error("broke mid-stream");
  for (let i = 1; i < (event.parts ?? 3); i++) {
    out.write(`part ${i}\n`);
    await sleep(5);
  }
  out.end();
});
