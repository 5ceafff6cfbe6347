// Starts the qnetc language server for .qnet files when it is installed
// (`pip install 'qnetlang[lsp]'`); without it, highlighting and snippets still work.
const { spawnSync } = require("child_process");
const vscode = require("vscode");

let client;

function serverAvailable(command) {
  const probe = spawnSync(command[0], [...command.slice(1), "--check"], { timeout: 10000 });
  return probe.status === 0;
}

async function activate(context) {
  const settings = vscode.workspace.getConfiguration("qnet.server");
  const command = settings.get("command", ["qnetc", "lsp"]);
  if (!settings.get("enabled", true) || !serverAvailable(command)) {
    return;
  }
  const { LanguageClient } = require("vscode-languageclient/node");
  const server = { command: command[0], args: command.slice(1) };
  client = new LanguageClient(
    "qnet",
    "qnetc language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "qnet" }, { scheme: "untitled", language: "qnet" }] }
  );
  context.subscriptions.push(client);
  await client.start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
