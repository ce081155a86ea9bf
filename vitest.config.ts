// One vitest run, several projects: pure unit tests, integration tests against a real server,
// and the dashboard in a real Chromium (vitest browser mode, Debian's /usr/bin/chromium).
import { defineConfig } from 'vitest/config';
import { availableParallelism } from 'node:os';
import { playwright } from '@vitest/browser-playwright';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  test: {
    // Two test files at a time even on two cores: a file waits on its servers, child processes, fsyncs and Chromium
    // for much of its time (one at a time, vitest's default there, the first stage took 1,106 s; two at a time, 915 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Pure tests: one module graph per worker instead of one per file halves the run. A test that changes
          // something global (fake timers, spies) restores it in afterEach.
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // A slice of the integration tests again, on PostgreSQL (test/integration/support/testServer.ts): the API,
        // live push, figures and exports behave the same on either backend.
        test: {
          name: 'integration-postgres',
          include: [
            'test/integration/ingest/ingest.test.ts',
            'test/integration/http/errorLogRows.test.ts',
            'test/integration/ingest/siteIdNormalisation.test.ts',
            'test/integration/ingest/siteCase.test.ts',
            'test/integration/ingest/nulText.test.ts',
            'test/integration/ingest/conflictDifference.test.ts',
            'test/integration/ingest/eventReadback.test.ts',
            'test/integration/compliance/compliance.test.ts',
            'test/integration/live/live.test.ts',
            'test/integration/live/liveRestart.test.ts',
            'test/integration/live/revokedElsewhere.test.ts',
            'test/integration/nodes/twoNodesRevoke.test.ts',
            'test/integration/nodes/lockedTable.test.ts',
            'test/integration/nodes/commitLost.test.ts',
            'test/integration/nodes/nodeSettings.test.ts',
            'test/integration/compliance/figuresAgree.test.ts',
            'test/integration/compliance/sumOrder.test.ts',
            'test/integration/compliance/splitRecount.test.ts',
            'test/integration/compliance/distributionSummaries.test.ts',
            'test/integration/exports/exportIncidents.test.ts',
            'test/integration/exports/exportLimits.test.ts',
            'test/integration/exports/siteLists.test.ts',
            'test/integration/audit/frozenExports.test.ts',
            'test/integration/audit/restatements.test.ts',
            'test/integration/audit/chainWitness.test.ts',
            'test/integration/audit/provenExports.test.ts',
            'test/integration/audit/completeness.test.ts',
            'test/integration/audit/keysAudited.test.ts',
            'test/integration/audit/unchangedAmendments.test.ts',
            'test/integration/audit/withdrawalChain.test.ts',
            'test/integration/audit/withdrawnVerify.test.ts',
            'test/integration/audit/derivedVerify.test.ts',
            'test/integration/audit/tamperedRollupDocuments.test.ts',
            'test/integration/exports/auditReport.test.ts',
            'test/integration/exports/reportSiteAuthors.test.ts',
            'test/integration/clocks/caseEvents.test.ts',
            'test/integration/clocks/milestoneRetention.test.ts',
            'test/integration/clocks/milestoneOrder.test.ts',
            'test/integration/clocks/caseEnded.test.ts',
            'test/integration/clocks/lateStart.test.ts',
            'test/integration/clocks/caseStart.test.ts',
            'test/integration/clocks/milestones.test.ts',
            'test/integration/clocks/eventTypesApi.test.ts',
            'test/integration/engine/standardChanges.test.ts',
            'test/integration/engine/scopeSiteCase.test.ts',
            'test/integration/alerts/versionLabels.test.ts',
            'test/integration/alerts/incidentPages.test.ts',
            'test/integration/integrations/*.test.ts',
            'test/integration/staffing/forecast.test.ts',
            'test/integration/store/pgMigration13.test.ts',
            'test/integration/store/pgDocumentedDatabases.test.ts',
          ],
          environment: 'node',
          env: { RINGSIDE_TEST_BACKEND: 'postgres' },
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: chromiumPath,
                args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          name: 'vscode',
          include: ['test/vscode/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
