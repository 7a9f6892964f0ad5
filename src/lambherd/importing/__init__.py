"""The one import path behind ``init --download [--unzip]`` and ``import --all``.

``services.init.import_function`` reads a deployed function once (``importing.remote``:
GetFunction, tags, URL config and policy, aliases, versions), downloads and safely unzips its
code, then asks every registered *writer* (``importing.writers.WRITER_MODULES``, one module per
concern) for the files it contributes, and writes them all atomically after one overwrite
question. A concern that wants its sidecar written on import (concurrency.json,
event_sources.json...) adds a module exposing ``WRITER = ImportWriter(name, write)`` and one line
in ``WRITER_MODULES``; it never edits the core.

Modules:
  remote.py          what an import reads from AWS (``RemoteFunction``)
  writers.py         the writer registry and ``ImportContext`` (what a writer reads and returns)
  definition_writer.py   function.json / function.jsonnet
  url_writer.py      function_url.json (Config + the URL grants)
  record.py          lambherd-import.json: the committed import record (the code baseline and
                     the deploy alias the team used, with its versions and routing weights)
  layers.py          the layer versions a function uses, downloaded into a cache for local runs
  unmanaged.py       notes on what a definition cannot hold (concurrency, code signing...)
  download.py        the code package streamed to disk (size-capped, checked against CodeSha256)
  function_files.py  the text of the files (JSON, template-safe), URL grants as AddPermission
  scaffold.py        the starting files of a function that does not exist yet
"""
