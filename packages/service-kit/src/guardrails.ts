/**
 * Production guardrails (docs/decisions.md I80). A deployment is taken to be real when
 * `NODE_ENV=production` or the service's public URL is `https`. Then every key and secret the
 * service lists must be configured (not made up for this process) and must not be a demo value
 * (`change-me`), and the service must not keep its state in its own memory unless told to.
 */
export function isProduction(env: Record<string, string | undefined>, publicUrl: string): boolean {
  return env.NODE_ENV === 'production' || publicUrl.startsWith('https:');
}

/** The variables of `secrets` that are unset or hold a demo value; `A|B` means either may be set. */
export function demoSecrets(env: Record<string, string | undefined>, secrets: readonly string[]): string[] {
  return secrets.filter((entry) => {
    const value = entry.split('|').map((name) => env[name]).find((v) => v !== undefined && v !== '');
    return value === undefined || /change-me/i.test(value);
  });
}

/**
 * @throws Error naming each variable to set, when a production deployment runs on demo secrets or
 * keys, or on `STORE=memory` without `ALLOW_MEMORY_STORE=true` (docs/decisions.md I79)
 */
export function assertDeployable(name: string, env: Record<string, string | undefined>, options: { publicUrl: string; secrets: readonly string[]; store: string }): void {
  const problems: string[] = [];
  if (isProduction(env, options.publicUrl)) {
    for (const entry of demoSecrets(env, options.secrets)) {
      const variable = entry.split('|')[0]!;
      problems.push(`${variable}: a demo value or a key made up at start-up is in force; set ${variable} (or ${variable}_FILE) — see docs/deploy.md`);
    }
  }
  // a service run on its own with its state in memory: a token revoked at one instance lives on at another
  if (options.store === 'memory' && !/^(true|1)$/.test(env.ALLOW_MEMORY_STORE ?? '')) {
    problems.push('STORE: "memory" keeps state in this process only; set STORE=redis://… (or ALLOW_MEMORY_STORE=true for a single process on its own)');
  }
  if (problems.length) throw new Error(`${name} refuses to start:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}
