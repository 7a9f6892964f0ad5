// Callback style: no promise; the answer is the callback's.
exports.handler = (event, context, callback) => {
  if (event.fail) {
    callback(new TypeError("callback said no"));
    return;
  }
  setTimeout(() => callback(null, { style: "callback", echo: event }), 10);
};
