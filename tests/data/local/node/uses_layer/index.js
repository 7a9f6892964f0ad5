const layerlib = require("layerlib");

exports.handler = async () => ({ layer: layerlib.WHERE, path: process.env.NODE_PATH.split(":") });
