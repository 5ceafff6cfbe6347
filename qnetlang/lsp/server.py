"""`qnetc lsp`: the language server, over stdio, on pygls.

Every open document is checked by the real checker when it opens and whenever
it changes; hover, go to definition and completion answer from the analysis
of its latest text (analysis.py), and formatting gives `qnetc fmt`'s layout.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from qnetlang import __version__
from qnetlang.diagnostics import Diagnostic, Severity
from qnetlang.lsp.analysis import Analysis, analyze, file_path
from qnetlang.source import SourceFile
from qnetlang.syntax.formatting import FormatterError, formatted
from qnetlang.syntax.parser import parse_source

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error,
             Severity.WARNING: types.DiagnosticSeverity.Warning,
             Severity.NOTE: types.DiagnosticSeverity.Information}
_COMPLETION_KINDS = {
    "network": types.CompletionItemKind.Module, "node": types.CompletionItemKind.Class,
    "protocol": types.CompletionItemKind.Module, "role": types.CompletionItemKind.Class,
    "function": types.CompletionItemKind.Function, "constant": types.CompletionItemKind.Constant,
    "parameter": types.CompletionItemKind.Variable, "variable": types.CompletionItemKind.Variable,
    "keyword": types.CompletionItemKind.Keyword, "gate": types.CompletionItemKind.Function,
    "unit": types.CompletionItemKind.Unit, "device": types.CompletionItemKind.Property,
    "index": types.CompletionItemKind.Variable, "run": types.CompletionItemKind.Event}


class QnetServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("qnetc", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.analyses: dict[str, Analysis] = {}

    def refresh(self, uri: str) -> None:
        """Checks the document's latest text and publishes its diagnostics; a bug in the
        checker is published as one diagnostic rather than lost in the server's log."""
        document = self.workspace.get_text_document(uri)
        try:
            analysis = analyze(document.source, to_fs_path(uri) or uri)
            diagnostics = [_diagnostic(d) for d in analysis.diagnostics()]
        except Exception as error:  # noqa: BLE001 - reported to the user, not raised
            self.analyses.pop(uri, None)
            diagnostics = [types.Diagnostic(
                range=_range(1, 1, 1, 1), severity=types.DiagnosticSeverity.Error,
                source="qnetc", message=f"internal error in qnetc: {type(error).__name__}: "
                                        f"{error} (a bug; please report it with this file)")]
        else:
            self.analyses[uri] = analysis
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=diagnostics))

    def analysis(self, uri: str) -> Analysis | None:
        if uri not in self.analyses:
            self.refresh(uri)
        return self.analyses.get(uri)


def _range(line: int, column: int, end_line: int, end_column: int) -> types.Range:
    return types.Range(start=types.Position(line=line - 1, character=column - 1),
                       end=types.Position(line=end_line - 1, character=end_column - 1))


def _diagnostic(diagnostic: Diagnostic) -> types.Diagnostic:
    span = diagnostic.span
    assert span is not None  # analysis.diagnostics() places every one
    message = diagnostic.message + (f"\nhelp: {diagnostic.help}" if diagnostic.help else "")
    related = [types.DiagnosticRelatedInformation(
        location=types.Location(uri=from_fs_path(str(file_path(note.span.file))) or "",
                                range=_range(note.span.line, note.span.column,
                                             note.span.end_line, note.span.end_column)),
        message=note.message) for note in diagnostic.notes if note.span is not None]
    return types.Diagnostic(
        range=_range(span.line, span.column, span.end_line, span.end_column),
        message=message, severity=_SEVERITY.get(diagnostic.severity),
        code=str(diagnostic.code),
        source="qnetc", related_information=related or None)


def build() -> QnetServer:
    server = QnetServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: QnetServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: QnetServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: QnetServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.analyses.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: QnetServer, params: types.HoverParams) -> types.Hover | None:
        position = params.position
        analysis = ls.analysis(params.text_document.uri)
        text = analysis.hover(position.line, position.character) if analysis else None
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=text))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: QnetServer,
                   params: types.DefinitionParams) -> types.Location | None:
        position = params.position
        analysis = ls.analysis(params.text_document.uri)
        symbol = analysis.definition(position.line, position.character) if analysis else None
        if symbol is None:
            return None
        span = symbol.name_span
        return types.Location(uri=from_fs_path(str(file_path(symbol.file))) or "",
                              range=_range(span.line, span.column, span.end_line,
                                           span.end_column))

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: QnetServer,
                   params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        """The document in `qnetc fmt`'s layout: no edit while it has syntax errors."""
        document = ls.workspace.get_text_document(params.text_document.uri)
        parsed = parse_source(SourceFile(document.uri, document.source))
        if not parsed.ok:
            return None
        try:
            text = formatted(parsed)
        except (FormatterError, RecursionError):
            return None
        if text == document.source:
            return []
        lines = document.source.split("\n")
        return [types.TextEdit(range=types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(line=len(lines) - 1, character=len(lines[-1]))), new_text=text)]

    @server.feature(types.TEXT_DOCUMENT_COMPLETION)
    def completion(ls: QnetServer, params: types.CompletionParams) -> types.CompletionList:
        analysis = ls.analysis(params.text_document.uri)
        items = [types.CompletionItem(label=label, kind=_COMPLETION_KINDS.get(kind),
                                      detail=detail)
                 for label, kind, detail in (analysis.completions() if analysis else [])]
        return types.CompletionList(is_incomplete=False, items=items)

    return server


def main() -> None:
    build().start_io()
