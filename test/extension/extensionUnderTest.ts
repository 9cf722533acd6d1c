// The extension being tested, found by the id its manifest declares.
import * as vscode from 'vscode';
import manifest from '../../package.json';

export const extensionId = `${manifest.publisher}.${manifest.name}`;

export function getExtensionUnderTest(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(extensionId);
  if (!extension) throw new Error(`Extension ${extensionId} is not loaded in this VS Code.`);
  return extension;
}

/** The commands package.json contributes, read from the loaded extension's own manifest. */
export function contributedCommands(): { command: string; title: string; category?: string }[] {
  return getExtensionUnderTest().packageJSON.contributes?.commands ?? [];
}
