// Building generated SQL scripts: a commented text to show and the bare statements to run.

/** Generated SQL: `sql` to show (with comments), `statements` to run one by one (e.g. over Neon's HTTP API). */
export interface SqlScaffold {
  readonly sql: string;
  readonly statements: string[];
}

export class ScaffoldOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldOptionError';
  }
}

/** Joins comment blocks and statements into the displayed script, keeping the runnable list alongside. */
export class ScriptBuilder {
  private readonly parts: string[] = [];
  readonly statements: string[] = [];

  comment(...lines: string[]): this {
    this.parts.push(lines.map((l) => (l === '' ? '--' : `-- ${l}`)).join('\n'));
    return this;
  }

  /** `text` without the trailing semicolon; may span lines. */
  statement(text: string, leadingComment?: string): this {
    const stmt = `${text};`;
    this.statements.push(stmt);
    this.parts.push(leadingComment ? `-- ${leadingComment}\n${stmt}` : stmt);
    return this;
  }

  /** Appends text that is shown but not run (e.g. commented-out examples). */
  raw(text: string): this {
    this.parts.push(text);
    return this;
  }

  blank(): this {
    this.parts.push('');
    return this;
  }

  build(): SqlScaffold {
    const sql = this.parts
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    return { sql: `${sql}\n`, statements: [...this.statements] };
  }
}
