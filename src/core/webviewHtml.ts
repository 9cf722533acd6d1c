// The HTML shell of every webview panel: one nonce'd script, stylesheets from the extension, and a strict
// Content-Security-Policy. Nothing inline: the page's behaviour and look come only from those files.
// Setting element.style / CSS custom properties through the CSSOM stays allowed under this policy; style
// attributes in markup and <style> elements do not.
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  /** `webview.cspSource`: the origin the webview's local resources are served from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  /** codicon.css (its font must be under cspSource too). */
  codiconUri?: string;
  title: string;
  bodyClass?: string;
}

/** 128 random bits, base64url: a fresh one for every render of a panel. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEscapes[c]);
}

/**
 * `webview.cspSource` is a list of sources, e.g. `'self' https://*.vscode-cdn.net` in VS Code desktop and
 * code-server alike. Each must be one CSP source expression, so nothing can break out of the policy.
 */
const CSP_SOURCE_EXPRESSION = /^(?:'self'|[a-z][a-z0-9+.-]*:(?:\/\/[^\s;,'"<>]+)?|(?:\*\.)?[a-z0-9.-]+(?::\d+)?)$/i;

export function checkCspSource(cspSource: string): string {
  const sources = cspSource.trim().split(/\s+/);
  if (!cspSource.trim() || sources.some((source) => !CSP_SOURCE_EXPRESSION.test(source))) {
    throw new Error(`Invalid webview cspSource: ${JSON.stringify(cspSource)}`);
  }
  return sources.join(' ');
}

export function renderWebviewHtml(options: WebviewHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUris, codiconUri, title, bodyClass } = options;
  // The nonce and cspSource go into the policy itself: reject anything that could break out of it.
  if (!/^[A-Za-z0-9+/_=-]{16,}$/.test(nonce)) throw new Error('The webview nonce must be at least 16 base64 characters (use makeNonce()).');
  const csp = contentSecurityPolicy(checkCspSource(cspSource), nonce);
  const links = [...(codiconUri ? [codiconUri] : []), ...styleUris]
    .map((href) => `    <link rel="stylesheet" href="${escapeHtml(href)}">`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>${escapeHtml(title)}</title>
${links}
  </head>
  <body${bodyClass ? ` class="${escapeHtml(bodyClass)}"` : ''}>
    <noscript>This panel needs JavaScript.</noscript>
    <script nonce="${escapeHtml(nonce)}" src="${escapeHtml(scriptUri)}"></script>
  </body>
</html>
`;
}
