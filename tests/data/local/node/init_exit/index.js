console.log("giving up during init");
process.exit(4);
