// A CommonJS handler in a .cjs file.
module.exports.handler = async () => ({ format: "cjs" });
