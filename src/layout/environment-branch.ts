/**
 * Which environments a statement runs in, from the conditions around it. Each condition is read as a set
 * of environments (development, QA, UAT, Production, Staging, custom cloud environments; `||` a union,
 * `&&` an intersection, `!` and `else` the complement). A statement runs in "the cloud" when its set holds
 * QA, UAT and Production (the template's test), in development when it holds none of them; a set with
 * only some of them, or a condition on anything else (configuration, settings, services), is `unknown`,
 * which the mapping reader refuses rather than guesses.
 */
import { isIdent, isPunct, sourceText, splitTop, stripParens, type Conditions, type Token } from './csharp.js';

export type Branch = 'cloud' | 'development' | 'unknown';

const ENVIRONMENTS = ['development', 'qa', 'uat', 'production', 'staging', 'custom'] as const;
type Environment = (typeof ENVIRONMENTS)[number];
type Environments = Set<Environment>;
/** The cloud environments every project has; Staging and custom environments are optional. */
const CLOUD: Environment[] = ['qa', 'uat', 'production'];

/** The environments a stack of conditions selects; for `unknown`, the condition that could not be read (or that splits the cloud). Lambda markers (null) are skipped. */
export function branchOf(conditions: Conditions): { kind: Branch; line: number; why: string } {
  let selected: Environments = new Set(ENVIRONMENTS);
  for (const condition of conditions) {
    if (condition === null) continue;
    const chosen = environmentsOf(condition.tokens);
    const text = sourceText(condition.tokens);
    if (chosen === null) return { kind: 'unknown', line: condition.line, why: `cannot tell whether the condition \`${text}\` selects the cloud environments or development` };
    selected = intersect(selected, condition.negated ? complement(chosen) : chosen);
    const cloud = CLOUD.filter((environment) => selected.has(environment)).length;
    if (cloud > 0 && cloud < CLOUD.length) {
      const where = `${condition.negated ? 'in the else branch of (or after an early return on) ' : 'under '}\`${text}\``;
      return { kind: 'unknown', line: condition.line, why: `the mapping ${where} runs in some cloud environments and not in others (only ${[...selected].join(', ')}), so the layout would depend on the environment restored` };
    }
  }
  return { kind: CLOUD.every((environment) => selected.has(environment)) ? 'cloud' : 'development', line: 0, why: '' };
}

/** The environments a condition is true in, or null when it depends on something else. */
function environmentsOf(condition: Token[]): Environments | null {
  const tokens = stripParens(condition);
  const alternatives = splitTop(tokens, '||');
  if (alternatives.length > 1) return combine(alternatives, (a, b) => new Set([...a, ...b]));
  const conjuncts = splitTop(tokens, '&&');
  if (conjuncts.length > 1) return combine(conjuncts, intersect);
  if (isPunct(tokens[0], '!')) {
    const inner = environmentsOf(tokens.slice(1));
    return inner === null ? null : complement(inner);
  }
  return environmentsOfCall(tokens);
}

function combine(parts: Token[][], join: (a: Environments, b: Environments) => Environments): Environments | null {
  let result: Environments | null = null;
  for (const part of parts) {
    const value = environmentsOf(part);
    if (value === null) return null;
    result = result === null ? value : join(result, value);
  }
  return result;
}

function intersect(a: Environments, b: Environments): Environments {
  return new Set([...a].filter((environment) => b.has(environment)));
}

function complement(set: Environments): Environments {
  return new Set(ENVIRONMENTS.filter((environment) => !set.has(environment)));
}

function environmentsOfCall(tokens: Token[]): Environments | null {
  // `<receiver>.IsQa()`, `<receiver>.IsEnvironment(CloudEnvironments.Staging)`, `IsEnvironment("QA")`…
  if (!isPunct(tokens.at(-1), ')')) return null;
  const open = tokens.findIndex((token) => isPunct(token, '('));
  const name = tokens[open - 1];
  if (open <= 0 || name?.kind !== 'ident') return null;
  const args = tokens.slice(open + 1, -1);
  const one = (environment: Environment): Environments => new Set([environment]);
  const simple: Record<string, Environment> = { IsQa: 'qa', IsQA: 'qa', IsUat: 'uat', IsUAT: 'uat', IsProduction: 'production', IsStaging: 'staging', IsDevelopment: 'development' };
  if (name.value in simple) return args.length === 0 ? one(simple[name.value] as Environment) : null;
  if (name.value !== 'IsEnvironment') return null;
  const arg = args.at(-1);
  const named = (value: string) => (ENVIRONMENTS as readonly string[]).includes(value.toLowerCase()) ? one(value.toLowerCase() as Environment) : null;
  if (arg?.kind === 'string' && args.length === 1) return named(arg.value);
  if (args.length === 3 && (isIdent(args[0], 'CloudEnvironments') || isIdent(args[0], 'Environments')) && arg?.kind === 'ident') return named(arg.value);
  return null;
}
