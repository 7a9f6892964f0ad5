console.log("module loaded");

exports.other = async () => "not the handler";
