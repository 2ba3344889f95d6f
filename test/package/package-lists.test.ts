/**
 * A corpus of package-list shapes seen in public Xperience projects (issue 20, point 4): each case is a list written
 * here after what the named public repository references, put into a real-sized deps.json (test/support/deps-json.ts)
 * and checked as a deployment package, in both zip shapes. Product versions are those the source pinned when it was
 * read; the integrations' and Kentico 13's versions are plausible ones of their own (only their independence matters).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPackage } from '../../src/package/check.js';
import { writeRealSitePackage, type RealDepsOptions } from '../support/deps-json.js';
import { useTempDirs } from '../support/tree.js';

const tempDir = useTempDirs();

const at = (version: string, names: string[]) => Object.fromEntries(names.map((name) => [name, version]));

interface Shape {
  /** Where the shape was seen. */
  seen: string;
  deps: RealDepsOptions;
  version: string | null;
  integrations: string[];
  errors?: string[];
}

const SHAPES: Record<string, Shape> = {
  'product with Cloud, SendGrid, Mjml, Core.Tests; Lucene, MiniProfiler and TagManager beside it': {
    seen: 'Kentico/community-portal, Directory.Packages.props (Kentico\'s own community site, 30.12.0)',
    deps: {
      product: at('30.12.0', ['Admin', 'AzureStorage', 'Cloud', 'Core', 'Core.Tests', 'ImageProcessing', 'Mjml', 'SendGrid', 'WebApp'].map((name) => `Kentico.Xperience.${name}`)),
      integrations: { 'Kentico.Xperience.Lucene': '13.0.2', 'Kentico.Xperience.MiniProfiler': '2.1.0', 'Kentico.Xperience.TagManager': '5.0.2' },
    },
    version: '30.12.0',
    integrations: ['Kentico.Xperience.Lucene', 'Kentico.Xperience.MiniProfiler', 'Kentico.Xperience.TagManager'],
  },
  'product with ManagementApi and Mjml, no Cloud': {
    seen: 'Kentico/xperience-by-kentico-training-guides, src/Directory.Packages.props (31.9.1)',
    deps: { product: at('31.9.1', ['Admin', 'AzureStorage', 'ImageProcessing', 'ManagementApi', 'WebApp', 'Core', 'Mjml'].map((name) => `Kentico.Xperience.${name}`)), integrations: {} },
    version: '31.9.1',
    integrations: [],
  },
  'ids in lower case, GraphQL among the product': {
    seen: 'Kentico/xperience-by-kentico-manager, UpdateCommand (updates admin, azurestorage, cloud, graphql, imageprocessing, webapp together)',
    deps: { product: at('28.4.3', ['admin', 'azurestorage', 'cloud', 'graphql', 'imageprocessing', 'webapp'].map((name) => `kentico.xperience.${name}`)), integrations: {} },
    version: '28.4.3',
    integrations: [],
    errors: ['PACKAGE_VERSION'], // below the SaaS minimum (30.1.0)
  },
  'Kentico integrations with their own versions beside Core 31.6.2': {
    seen: "Kentico's integration repositories (xperience-by-kentico-algolia, -azure-ai-search, -shopify, -zapier, -crm, -k13ecommerce), each versioned on its own",
    deps: {
      xperienceVersion: '31.6.2',
      integrations: {
        'Kentico.Xperience.Algolia': '9.2.0',
        'Kentico.Xperience.AzureSearch': '10.1.0',
        'Kentico.Xperience.Shopify': '2.3.0',
        'Kentico.Xperience.Zapier': '1.4.1',
        'Kentico.Xperience.CRM.Dynamics': '2.0.0',
        'Kentico.Xperience.CRM.Salesforce': '2.0.0',
        'Kentico.Xperience.K13Ecommerce': '1.5.0',
      },
    },
    version: '31.6.2',
    integrations: ['Kentico.Xperience.Algolia', 'Kentico.Xperience.AzureSearch', 'Kentico.Xperience.Shopify', 'Kentico.Xperience.Zapier', 'Kentico.Xperience.CRM.Dynamics', 'Kentico.Xperience.CRM.Salesforce', 'Kentico.Xperience.K13Ecommerce'],
  },
  'a Kentico Xperience 13 application': {
    seen: 'Kentico/xperience-training-13 (Kentico.Xperience.AspNetCore.WebApp and Kentico.Xperience.Libraries 13.0.x)',
    deps: { product: at('13.0.131', ['Kentico.Xperience.AspNetCore.WebApp', 'Kentico.Xperience.Libraries']), integrations: {} },
    version: '13.0.131',
    integrations: [],
    errors: ['PACKAGE_VERSION'],
  },
};

describe('package lists seen in public Xperience projects', () => {
  it.each(Object.entries(SHAPES))('%s', async (_name, shape) => {
    expect(shape.seen).not.toBe('');
    for (const zipShape of ['PowerShell 7', 'Windows PowerShell 5.1'] as const) {
      const file = path.join(await tempDir(), 'DeploymentPackage.zip');
      await writeRealSitePackage(file, zipShape, shape.deps);
      const report = await checkPackage(file);
      expect(report.errors.map((finding) => finding.code)).toEqual(shape.errors ?? []);
      expect(report.xperienceVersion).toBe(shape.version);
      expect(Object.keys(report.integrations).sort()).toEqual([...shape.integrations].sort());
    }
  });
});
