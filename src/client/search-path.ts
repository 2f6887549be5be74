/**
 * Split-horizon resolution (spec section 24): an ordered search path of registries (say internal,
 * partner, public), each the root of its own recursive resolution. A name under a namespace one
 * of them holds privately is asked of that registry alone and never sent anywhere else; any other
 * name is asked of each in turn until one holds it. Asking past the first (the home registry)
 * crosses a boundary: `onBoundaryCrossed` hears who asked, what, where and why before the lookup
 * is made, and a lookup whose report fails is not made (fail closed).
 */
import { problem, type Problem } from '../core/errors.js';
import { parseAgentName } from '../core/name/index.js';
import { namespaceAndPath } from '../core/registry/namespace-claims.js';
import type { RequesterContext } from '../core/resolve/choose-endpoint.js';
import { failed, RecursiveResolver, type RecursiveResolverOptions, type RecursiveResult } from './recursive-resolver.js';

export interface SearchPathEntry {
  /** How the path names it: `internal`, `partner`, `public`. */
  readonly name: string;
  readonly url: string;
  readonly registryKey: string;
  /** Namespaces only this registry answers: names under them never leave it. */
  readonly privateNamespaces?: readonly string[];
}

export interface BoundaryCrossingReport {
  readonly who: string;
  readonly what: string;
  readonly where: string;
  readonly why: string;
}

export interface SearchPathOptions extends Omit<RecursiveResolverOptions, 'roots'> {
  readonly entries: readonly SearchPathEntry[];
  /** Told before every lookup past the home registry; a rejection stops the lookup. */
  readonly onBoundaryCrossed?: (report: BoundaryCrossingReport) => Promise<void>;
}

export interface SearchPathResult extends RecursiveResult {
  /** The search path entries asked, in order. */
  readonly searched: readonly string[];
}

/** Refusals that mean "not held here": the next registry of the path is asked. */
const NOT_HELD = new Set(['AGENT_NOT_FOUND', 'NAMESPACE_UNCLAIMED']);

export class SearchPathResolver {
  private readonly entries: readonly SearchPathEntry[];
  private readonly resolvers: readonly RecursiveResolver[];
  private readonly onBoundaryCrossed: SearchPathOptions['onBoundaryCrossed'];

  constructor(options: SearchPathOptions) {
    if (options.entries.length === 0) throw new RangeError('a search path needs at least one registry');
    const { entries, onBoundaryCrossed, ...limits } = options;
    this.entries = entries;
    this.onBoundaryCrossed = onBoundaryCrossed;
    this.resolvers = entries.map((entry) => new RecursiveResolver({ ...limits, roots: [{ url: entry.url, registryKey: entry.registryKey }] }));
  }

  async resolve(name: string, context: RequesterContext = {}, requester = 'unknown'): Promise<SearchPathResult> {
    const parsed = parseAgentName(name);
    if (!parsed.ok) return { ...(await this.resolvers[0]!.resolve(name, context)), searched: [] };
    const canonical = parsed.value.canonical;
    const { namespace } = namespaceAndPath(canonical);
    const owner = this.entries.findIndex((entry) => entry.privateNamespaces?.includes(namespace));
    if (owner >= 0) return { ...(await this.resolvers[owner]!.resolve(canonical, context)), searched: [this.entries[owner]!.name] };

    const searched: string[] = [];
    let last: RecursiveResult | undefined;
    for (const [i, entry] of this.entries.entries()) {
      if (i > 0) {
        const report = { who: requester, what: canonical, where: `${entry.name} ${entry.url}`, why: `not held by ${searched.join(', ')}` };
        const reported = await this.report(report);
        if (reported !== undefined) return { ...failed(canonical, reported, last?.trace ?? []), searched };
      }
      searched.push(entry.name);
      last = await this.resolvers[i]!.resolve(canonical, context);
      if (last.verified || !NOT_HELD.has(last.errors[0]?.code ?? '')) return { ...last, searched };
    }
    return { ...last!, searched };
  }

  private async report(report: BoundaryCrossingReport): Promise<readonly Problem[] | undefined> {
    if (this.onBoundaryCrossed === undefined) return undefined;
    try {
      await this.onBoundaryCrossed(report);
      return undefined;
    } catch (error) {
      const detail = `the lookup of ${report.what} at ${report.where} was not made: its audit record could not be written (${error instanceof Error ? error.message : String(error)})`;
      return [problem('AUDIT_NOT_WRITTEN', detail)];
    }
  }
}
