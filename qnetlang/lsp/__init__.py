"""The language server (`qnetc lsp`): the checker, hover, definition and completion."""
