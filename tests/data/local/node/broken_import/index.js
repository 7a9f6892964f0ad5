require("module_that_does_not_exist");

exports.handler = async () => "unreachable";
