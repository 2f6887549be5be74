/**
 * Package URLs (purl, https://github.com/package-url/purl-spec) for the packages an MCP server is
 * published as: `pkg:npm/%40scope/name@1.2.3`, `pkg:pypi/name@1.0`, `pkg:docker/owner/image@tag`.
 *
 * A purl is only built from an identifier that is valid in its ecosystem; anything else (and every
 * registry this module does not know, such as the seed's `unknown`) gives undefined, because an
 * endpoint nobody can install is worse than none.
 */

import { nonEmpty } from './common.js';

const DEFAULT_REGISTRIES: Readonly<Record<string, readonly string[]>> = {
  npm: ['https://registry.npmjs.org'],
  pypi: ['https://pypi.org', 'https://pypi.org/simple', 'https://upload.pypi.org'],
  nuget: ['https://api.nuget.org', 'https://api.nuget.org/v3/index.json'],
  cargo: ['https://crates.io'],
  docker: ['https://docker.io', 'https://registry-1.docker.io', 'https://index.docker.io', 'https://hub.docker.com'],
};

const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/i;
const PYPI_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const NUGET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const CARGO_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const DOCKER_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOCKER_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?$/;
const DOCKER_TAG = /^\w[\w.-]{0,127}$/;
const DOCKER_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-f]{32,}$/i;
const MAX_VERSION_LENGTH = 128;

export interface PackageRef {
  /** Registry type as the document spells it: npm, pypi, docker, oci, nuget, cargo, mcpb, unknown… */
  readonly registryType: string;
  readonly identifier: string;
  readonly version?: string;
  readonly registryBaseUrl?: string;
}

/** The purl of a package, or undefined when its registry is unknown or its identifier unusable. */
export function packageUrl(ref: PackageRef): string | undefined {
  const identifier = nonEmpty(ref.identifier);
  if (identifier === undefined) return undefined;
  const version = usableVersion(ref.version);
  switch (ref.registryType.trim().toLowerCase()) {
    case 'npm':
      return npmUrl(identifier, version, ref.registryBaseUrl);
    case 'pypi':
      return PYPI_NAME.test(identifier) ? build('pypi', [pep503(identifier)], version, repository('pypi', ref.registryBaseUrl)) : undefined;
    case 'nuget':
      return NUGET_NAME.test(identifier) ? build('nuget', [identifier], version, repository('nuget', ref.registryBaseUrl)) : undefined;
    case 'cargo':
      return CARGO_NAME.test(identifier) ? build('cargo', [identifier], version, repository('cargo', ref.registryBaseUrl)) : undefined;
    case 'docker':
    case 'oci':
      return dockerUrl(identifier, version);
    case 'mcpb':
      return bundleUrl(identifier, version);
    default:
      return undefined;
  }
}

function usableVersion(version: string | undefined): string | undefined {
  const text = nonEmpty(version);
  return text !== undefined && text.length <= MAX_VERSION_LENGTH && !/\s/.test(text) ? text : undefined;
}

function npmUrl(identifier: string, version: string | undefined, registryBaseUrl: string | undefined): string | undefined {
  if (!NPM_NAME.test(identifier) || identifier.length > 214) return undefined;
  // purl: npm names are lowercased; the scope (with its "@") is the namespace.
  const segments = identifier.toLowerCase().split('/');
  return build('npm', segments, version, repository('npm', registryBaseUrl));
}

/** PEP 503 normalization, which the purl pypi type requires: lowercase, runs of -_. become "-". */
function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * `[host[:port]/]path[:tag][@digest]`; a non-Docker-Hub host becomes the repository_url qualifier.
 * A digest in the identifier wins over a tag, and either wins over the separate version.
 */
function dockerUrl(identifier: string, version: string | undefined): string | undefined {
  let rest = identifier;
  let reference = version;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const digest = rest.slice(at + 1);
    if (!DOCKER_DIGEST.test(digest)) return undefined;
    reference = digest;
    rest = rest.slice(0, at);
  }
  const segments = rest.split('/');
  const first = segments[0] ?? '';
  let host: string | undefined;
  if (segments.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!DOCKER_HOST.test(first)) return undefined;
    host = first.toLowerCase();
    segments.shift();
  }
  const last = segments.length - 1;
  const lastSegment = segments[last] ?? '';
  const colon = lastSegment.indexOf(':');
  if (colon !== -1) {
    const tag = lastSegment.slice(colon + 1);
    if (!DOCKER_TAG.test(tag)) return undefined;
    if (at === -1) reference = tag;
    segments[last] = lastSegment.slice(0, colon);
  }
  if (segments.length === 0 || !segments.every((s) => DOCKER_COMPONENT.test(s))) return undefined;
  const repositoryUrl = host === undefined || DOCKER_HUB_HOSTS.has(host) ? undefined : host;
  return build('docker', segments, reference, repositoryUrl);
}

/** An MCP bundle is a file at a URL: `pkg:generic/<file name>@<version>?download_url=<url>`. */
function bundleUrl(identifier: string, version: string | undefined): string | undefined {
  if (!URL.canParse(identifier)) return undefined;
  const url = new URL(identifier);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const file = safeDecode(url.pathname.split('/').pop() ?? '');
  if (file === '') return undefined;
  return build('generic', [file], version, undefined, url.href);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function repository(type: string, registryBaseUrl: string | undefined): string | undefined {
  const base = nonEmpty(registryBaseUrl)?.replace(/\/+$/, '');
  if (base === undefined) return undefined;
  return (DEFAULT_REGISTRIES[type] ?? []).includes(base.toLowerCase()) ? undefined : base;
}

function build(type: string, segments: readonly string[], version: string | undefined, repositoryUrl: string | undefined, downloadUrl?: string): string {
  const path = segments.map(encodeURIComponent).join('/');
  const qualifiers = [
    ...(downloadUrl === undefined ? [] : [`download_url=${encodeURIComponent(downloadUrl)}`]),
    ...(repositoryUrl === undefined ? [] : [`repository_url=${encodeURIComponent(repositoryUrl)}`]),
  ];
  return `pkg:${type}/${path}${version === undefined ? '' : `@${encodeURIComponent(version)}`}${qualifiers.length === 0 ? '' : `?${qualifiers.join('&')}`}`;
}
