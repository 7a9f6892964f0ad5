"""What ``init`` and ``import --all`` share: the downloaded code, the files written from a
deployed function (function.json, function_url.json), and the scaffold of a new one."""
