// A streaming handler: each line leaves as soon as it is written (try `curl -N` on its URL).
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const name = event.queryStringParameters?.name ?? event.name ?? "world";
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
  for (const word of ["Hello", "from", "Lambda,", `${name}!`]) {
    out.write(`${word}\n`);
    await sleep(200);
  }
  out.end();
});
