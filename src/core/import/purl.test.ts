import { describe, expect, it } from 'vitest';
import { packageUrl, type PackageRef } from './index.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('packageUrl', () => {
  it.each<[string, PackageRef, string | undefined]>([
    ['npm, scoped (the scope is the encoded namespace)', { registryType: 'npm', identifier: '@21st-dev/magic', version: '0.0.46' }, 'pkg:npm/%4021st-dev/magic@0.0.46'],
    ['npm, lowercased', { registryType: 'NPM', identifier: '@Scope/Name', version: '1.0.0' }, 'pkg:npm/%40scope/name@1.0.0'],
    ['npm, without version', { registryType: 'npm', identifier: 'left-pad' }, 'pkg:npm/left-pad'],
    ['npm, default registry dropped', { registryType: 'npm', identifier: 'x', version: '1', registryBaseUrl: 'https://registry.npmjs.org/' }, 'pkg:npm/x@1'],
    [
      'npm, other registry as repository_url',
      { registryType: 'npm', identifier: '@o/x', version: '1', registryBaseUrl: 'https://npm.pkg.github.com' },
      'pkg:npm/%40o/x@1?repository_url=https%3A%2F%2Fnpm.pkg.github.com',
    ],
    ['npm, not an npm name', { registryType: 'npm', identifier: 'TBXark/mcp-proxy' }, undefined],
    ['pypi, PEP 503 normalized', { registryType: 'pypi', identifier: 'Mcp_Server.Foo', version: '0.1' }, 'pkg:pypi/mcp-server-foo@0.1'],
    ['pypi, not a pypi name', { registryType: 'pypi', identifier: 'owner/repo' }, undefined],
    ['docker, owner/image', { registryType: 'docker', identifier: 'grafana/mcp-grafana' }, 'pkg:docker/grafana/mcp-grafana'],
    ['docker, Docker Hub host and tag', { registryType: 'docker', identifier: 'docker.io/mcp/github:latest' }, 'pkg:docker/mcp/github@latest'],
    [
      'oci, other registry and digest',
      { registryType: 'oci', identifier: `ghcr.io/o/i@${DIGEST}`, version: '1.0.0' },
      `pkg:docker/o/i@sha256%3A${'ab'.repeat(32)}?repository_url=ghcr.io`,
    ],
    ['docker, tag in identifier wins over version', { registryType: 'docker', identifier: 'o/i:2.0', version: '1.0' }, 'pkg:docker/o/i@2.0'],
    ['docker, not an image name', { registryType: 'docker', identifier: '@edubase/mcp' }, undefined],
    ['docker, uppercase', { registryType: 'docker', identifier: 'Owner/Image' }, undefined],
    ['nuget', { registryType: 'nuget', identifier: 'Acme.Mcp.Server', version: '1.0.0' }, 'pkg:nuget/Acme.Mcp.Server@1.0.0'],
    ['cargo', { registryType: 'cargo', identifier: 'mcp-server', version: '0.3.1' }, 'pkg:cargo/mcp-server@0.3.1'],
    [
      'mcpb bundle',
      { registryType: 'mcpb', identifier: 'https://github.com/o/r/releases/download/v1/server.mcpb', version: '1.0.0' },
      'pkg:generic/server.mcpb@1.0.0?download_url=https%3A%2F%2Fgithub.com%2Fo%2Fr%2Freleases%2Fdownload%2Fv1%2Fserver.mcpb',
    ],
    ['mcpb, not a URL', { registryType: 'mcpb', identifier: 'server.mcpb' }, undefined],
    ['unknown registry', { registryType: 'unknown', identifier: 'firecrawl-mcp', version: '1.9.0' }, undefined],
    ['empty identifier', { registryType: 'npm', identifier: '  ' }, undefined],
    ['a version with spaces is left out', { registryType: 'npm', identifier: 'x', version: 'see readme' }, 'pkg:npm/x'],
  ])('%s', (_label, ref, expected) => {
    expect(packageUrl(ref)).toBe(expected);
  });
});
