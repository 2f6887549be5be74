/** examples/mbta, run as a user runs it (`npm run example:mbta`): its output is what its README says. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from './support.js';

const run = promisify(execFile);

describe('examples/mbta', () => {
  it('resolves the three MBTA agents through the root, and tailors Boston and Berlin with accepted tokens', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'example:mbta'], { cwd: REPO, timeout: 120_000 });
    for (const agent of ['alerts', 'stopfinder', 'planner']) {
      expect(stdout).toContain(`agent://dataworksai.com/mbta-transit-ci/${agent}: verified, ownership proven`);
      expect(stdout).toMatch(new RegExp(`from Boston -> boston-1 https://us\\.mbta\\.dataworksai\\.com/${agent} .* token accepted by the agent`));
      expect(stdout).toMatch(new RegExp(`from Berlin -> frankfurt-1 https://eu\\.mbta\\.dataworksai\\.com/${agent} .* token accepted by the agent`));
    }
    expect(stdout).toMatch(/1\. http:\/\/127\.0\.0\.1:\d+ \(did:key:\w+\): referral \* -> http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/1\. http:\/\/127\.0\.0\.1:\d+ \(did:key:\w+\) \[cached\]: referral/);
    expect(stdout).not.toContain('REFUSED');
  });
});
