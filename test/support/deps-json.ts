import { rm } from 'node:fs/promises';
import { writeDeploymentPackage, type WriteDeploymentPackageOptions } from '../../src/package/write.js';
import { readZipEntries, writeSparseZip64 } from './sparse-zip.js';

/**
 * A `<AssemblyName>.deps.json` shaped as `dotnet publish` writes it for a real Xperience site: a few hundred
 * libraries (Microsoft.*, System.*, Azure.*, runtime packs), the site's own project references, prerelease
 * suffixes, Kentico's product packages and Kentico's integrations beside them. Written by hand for the tests.
 */

export interface RealDepsOptions {
  assemblyName?: string;
  /** Version of every product package (Kentico.Xperience.Core and those released with it). Default 31.6.2. */
  xperienceVersion?: string;
  /** Product packages: name → version. Default Core, WebApp, Admin, AzureStorage, ImageProcessing, Cloud at `xperienceVersion`. */
  product?: Record<string, string>;
  /** Kentico integrations: name → version. Default Lucene 15.0.4, TagManager 6.1.0, MiniProfiler 3.0.0. */
  integrations?: Record<string, string>;
}

export const REAL_INTEGRATIONS = {
  'Kentico.Xperience.Lucene': '15.0.4',
  'Kentico.Xperience.Lucene.Core': '15.0.4',
  'Kentico.Xperience.TagManager': '6.1.0',
  'Kentico.Xperience.MiniProfiler': '3.0.0',
} as const;

const FRAMEWORK = '.NETCoreApp,Version=v8.0';

/** Third-party packages a published Xperience site carries (names as NuGet spells them; versions plausible). */
const THIRD_PARTY: Array<[string, string]> = [
  ['AngleSharp', '0.17.1'], ['Azure.Core', '1.44.1'], ['Azure.Identity', '1.13.1'], ['Azure.Storage.Blobs', '12.23.0'], ['Azure.Storage.Common', '12.22.0'],
  ['Azure.Storage.Queues', '12.21.0'], ['CommandLineParser', '2.9.1'], ['Dapper', '2.1.35'], ['GraphQL', '8.2.1'], ['HotChocolate', '14.3.0'],
  ['HtmlSanitizer', '8.1.870'], ['J2N', '2.0.0'], ['Lucene.Net', '4.8.0-beta00016'], ['Lucene.Net.Analysis.Common', '4.8.0-beta00016'], ['Lucene.Net.Facet', '4.8.0-beta00016'],
  ['Lucene.Net.Queries', '4.8.0-beta00016'], ['Lucene.Net.QueryParser', '4.8.0-beta00016'], ['Lucene.Net.Sandbox', '4.8.0-beta00016'], ['Magick.NET-Q8-AnyCPU', '14.4.0'], ['Magick.NET.Core', '14.4.0'],
  ['MailKit', '4.10.0'], ['MimeKit', '4.10.0'], ['MiniProfiler.AspNetCore', '4.5.4'], ['MiniProfiler.AspNetCore.Mvc', '4.5.4'], ['MiniProfiler.Shared', '4.5.4'],
  ['Newtonsoft.Json', '13.0.3'], ['Polly', '8.5.0'], ['Polly.Core', '8.5.0'], ['SendGrid', '9.29.3'], ['SendGrid.Extensions.DependencyInjection', '1.0.1'],
  ['SkiaSharp', '2.88.9'], ['SkiaSharp.NativeAssets.Linux.NoDependencies', '2.88.9'], ['SkiaSharp.NativeAssets.Win32', '2.88.9'], ['StackExchange.Redis', '2.8.16'], ['Swashbuckle.AspNetCore', '7.2.0'],
  ['Microsoft.ApplicationInsights', '2.22.0'], ['Microsoft.ApplicationInsights.AspNetCore', '2.22.0'], ['Microsoft.Data.SqlClient', '5.2.2'], ['Microsoft.Data.SqlClient.SNI.runtime', '5.2.0'], ['Microsoft.Identity.Client', '4.66.2'],
  ['Microsoft.Identity.Client.Extensions.Msal', '4.66.2'], ['Microsoft.IdentityModel.Abstractions', '8.3.0'], ['Microsoft.IdentityModel.JsonWebTokens', '8.3.0'], ['Microsoft.IdentityModel.Logging', '8.3.0'], ['Microsoft.IdentityModel.Tokens', '8.3.0'],
  ['Microsoft.SqlServer.Server', '1.0.0'], ['Microsoft.Win32.SystemEvents', '8.0.0'], ['Microsoft.Bcl.AsyncInterfaces', '8.0.0'], ['Microsoft.CSharp', '4.7.0'], ['Microsoft.NETCore.Platforms', '5.0.0'],
  ['Microsoft.NETCore.Targets', '1.1.3'], ['Microsoft.OpenApi', '1.6.22'], ['Microsoft.AspNetCore.Mvc.Razor.RuntimeCompilation', '8.0.11'], ['Microsoft.CodeAnalysis.Common', '4.8.0'], ['Microsoft.CodeAnalysis.CSharp', '4.8.0'],
  ['Microsoft.CodeAnalysis.Razor', '6.0.36'], ['Microsoft.Extensions.DependencyModel', '8.0.2'], ['Microsoft.Extensions.Http.Polly', '8.0.11'], ['Microsoft.FeatureManagement.AspNetCore', '4.0.0'], ['Microsoft.FeatureManagement', '4.0.0'],
  ['Microsoft.TypeScript.MSBuild', '5.7.2'], ['Microsoft.Web.LibraryManager.Build', '2.1.175'], ['WebMarkupMin.AspNetCore8', '2.18.1'], ['WebMarkupMin.Core', '2.18.1'], ['YamlDotNet', '16.2.1'],
  ['System.ClientModel', '1.2.1'], ['System.Memory.Data', '8.0.1'], ['System.Text.Json', '8.0.5'], ['System.Configuration.ConfigurationManager', '8.0.1'], ['System.Diagnostics.EventLog', '8.0.1'],
  ['System.Drawing.Common', '8.0.11'], ['System.IdentityModel.Tokens.Jwt', '8.3.0'], ['System.Runtime.Caching', '8.0.1'], ['System.Security.Cryptography.Pkcs', '8.0.1'], ['System.Security.Cryptography.ProtectedData', '8.0.0'],
  ['System.Formats.Asn1', '8.0.1'], ['System.IO.Hashing', '8.0.0'], ['System.Interactive.Async', '6.0.1'], ['System.Linq.Async', '6.0.1'], ['System.Reactive', '6.0.1'],
];

/** The `System.*` and `runtime.*` facade packages older dependencies still pull in: many, small, all at 4.3.x. */
const FACADES = [
  'AppContext', 'Buffers', 'Collections', 'Collections.Concurrent', 'Collections.NonGeneric', 'Collections.Specialized', 'ComponentModel', 'ComponentModel.Primitives', 'ComponentModel.TypeConverter',
  'Console', 'Diagnostics.Debug', 'Diagnostics.DiagnosticSource', 'Diagnostics.Tools', 'Diagnostics.Tracing', 'Globalization', 'Globalization.Calendars', 'Globalization.Extensions', 'IO',
  'IO.Compression', 'IO.Compression.ZipFile', 'IO.FileSystem', 'IO.FileSystem.Primitives', 'Linq', 'Linq.Expressions', 'Linq.Queryable', 'Net.Http', 'Net.NameResolution', 'Net.Primitives',
  'Net.Requests', 'Net.Security', 'Net.Sockets', 'Net.WebHeaderCollection', 'ObjectModel', 'Reflection', 'Reflection.Emit', 'Reflection.Emit.ILGeneration', 'Reflection.Emit.Lightweight',
  'Reflection.Extensions', 'Reflection.Primitives', 'Reflection.TypeExtensions', 'Resources.ResourceManager', 'Runtime', 'Runtime.Extensions', 'Runtime.Handles', 'Runtime.InteropServices',
  'Runtime.InteropServices.RuntimeInformation', 'Runtime.Numerics', 'Runtime.Serialization.Primitives', 'Security.Claims', 'Security.Cryptography.Algorithms', 'Security.Cryptography.Cng',
  'Security.Cryptography.Csp', 'Security.Cryptography.Encoding', 'Security.Cryptography.OpenSsl', 'Security.Cryptography.Primitives', 'Security.Cryptography.X509Certificates',
  'Security.Principal', 'Security.Principal.Windows', 'Text.Encoding', 'Text.Encoding.Extensions', 'Text.RegularExpressions', 'Threading', 'Threading.Tasks', 'Threading.Tasks.Extensions',
  'Threading.Thread', 'Threading.ThreadPool', 'Threading.Timer', 'Xml.ReaderWriter', 'Xml.XDocument', 'Xml.XmlDocument', 'Xml.XPath', 'Xml.XPath.XDocument',
];
/** Microsoft.Extensions.* beyond the shared framework (packages a site references at newer versions). */
const EXTENSIONS = [
  'Caching.Abstractions', 'Caching.Memory', 'Caching.StackExchangeRedis', 'Configuration', 'Configuration.Abstractions', 'Configuration.Binder', 'Configuration.EnvironmentVariables',
  'Configuration.FileExtensions', 'Configuration.Json', 'Configuration.UserSecrets', 'DependencyInjection', 'DependencyInjection.Abstractions', 'Diagnostics.HealthChecks',
  'Diagnostics.HealthChecks.Abstractions', 'FileProviders.Abstractions', 'FileProviders.Embedded', 'FileProviders.Physical', 'FileSystemGlobbing', 'Hosting.Abstractions', 'Http',
  'Localization', 'Localization.Abstractions', 'Logging', 'Logging.Abstractions', 'Logging.ApplicationInsights', 'Logging.Configuration', 'ObjectPool', 'Options',
  'Options.ConfigurationExtensions', 'Primitives', 'WebEncoders',
];
const NATIVE_RUNTIMES = ['debian.8-x64', 'fedora.23-x64', 'fedora.24-x64', 'opensuse.13.2-x64', 'opensuse.42.1-x64', 'osx.10.10-x64', 'rhel.7-x64', 'ubuntu.14.04-x64', 'ubuntu.16.04-x64', 'ubuntu.16.10-x64'];

/** Every package of the generated site, product and integrations included: name → version. */
export function realPackages(options: RealDepsOptions = {}): Record<string, string> {
  const version = options.xperienceVersion ?? '31.6.2';
  const product = options.product ?? Object.fromEntries(['Core', 'WebApp', 'Admin', 'AzureStorage', 'ImageProcessing', 'Cloud'].map((name) => [`Kentico.Xperience.${name}`, version]));
  const packages: Record<string, string> = Object.fromEntries(THIRD_PARTY);
  for (const facade of FACADES) packages[`System.${facade}`] = '4.3.0';
  for (const extension of EXTENSIONS) packages[`Microsoft.Extensions.${extension}`] = '8.0.2';
  for (const native of NATIVE_RUNTIMES) packages[`runtime.${native}.runtime.native.System.Security.Cryptography.OpenSsl`] = '4.3.3';
  packages['runtime.native.System'] = '4.3.0';
  packages['runtime.native.System.Net.Http'] = '4.3.1';
  packages['runtime.native.System.Security.Cryptography.OpenSsl'] = '4.3.3';
  return { ...packages, ...product, ...(options.integrations ?? REAL_INTEGRATIONS) };
}

/** The deps.json text: targets with dependencies and runtime assets, libraries with hashes, three project references. */
export function realDepsJson(options: RealDepsOptions = {}): string {
  const assembly = options.assemblyName ?? 'DancingGoat';
  const packages = Object.entries(realPackages(options));
  // The site's own projects; one named like a Kentico package, which is still the site's code ("type": "project").
  const projects = [`${assembly}.Shared`, `${assembly}.Search`, 'Kentico.Xperience.Custom.Widgets'];
  const target: Record<string, unknown> = {
    [`${assembly}/1.0.0`]: {
      dependencies: Object.fromEntries([...packages.filter(([name]) => name.startsWith('Kentico.')), ...projects.map((name) => [name, '1.0.0'] as [string, string])]),
      runtime: { [`${assembly}.dll`]: {} },
    },
  };
  const libraries: Record<string, unknown> = { [`${assembly}/1.0.0`]: { type: 'project', serviceable: false, sha512: '' } };
  for (const [index, [name, version]] of packages.entries()) {
    const next = packages[(index + 7) % packages.length];
    target[`${name}/${version}`] = {
      ...(next && next[0] !== name ? { dependencies: { [next[0]]: next[1] } } : {}),
      runtime: { [`lib/net8.0/${name}.dll`]: { assemblyVersion: `${version.split('-')[0]}.0`, fileVersion: `${version.split('-')[0]}.0` } },
    };
    const lower = name.toLowerCase();
    libraries[`${name}/${version}`] = { type: 'package', serviceable: true, sha512: `sha512-${Buffer.from(`${name}/${version}`).toString('base64')}`, path: `${lower}/${version}`, hashPath: `${lower}.${version}.nupkg.sha512` };
  }
  for (const project of projects) {
    target[`${project}/1.0.0`] = { runtime: { [`${project}.dll`]: { assemblyVersion: '1.0.0.0', fileVersion: '1.0.0.0' } } };
    libraries[`${project}/1.0.0`] = { type: 'project', serviceable: false, sha512: '' };
  }
  return JSON.stringify({ runtimeTarget: { name: FRAMEWORK, signature: '' }, compilationOptions: {}, targets: { [FRAMEWORK]: target }, libraries }, null, 2);
}

export type PackageShape = 'PowerShell 7' | 'Windows PowerShell 5.1';

/**
 * A real site's deployment package (assembly DancingGoat, a real-sized deps.json, one storage asset) as
 * Export-DeploymentPackage.ps1 zips it: PowerShell 7's Compress-Archive writes forward slashes and deflates;
 * Windows PowerShell 5.1's writes backslashes, and its `Set-Content -Encoding utf8` puts a BOM before the metadata.
 */
export async function writeRealSitePackage(file: string, shape: PackageShape, deps: RealDepsOptions = {}, options: WriteDeploymentPackageOptions = {}): Promise<void> {
  const write = (target: string) =>
    writeDeploymentPackage(target, { assemblyName: 'DancingGoat', depsJson: realDepsJson({ assemblyName: 'DancingGoat', ...deps }), compress: true, storageAssets: { 'default/assets/logo.svg': '<svg/>' }, ...options });
  if (shape === 'PowerShell 7') return write(file);
  const forward = `${file}.pwsh7.zip`;
  await write(forward);
  const entries = await readZipEntries(forward);
  await rm(forward);
  await writeSparseZip64(file, entries.map((entry) => ({
    name: entry.name.replace(/\//g, '\\'),
    data: entry.name === 'cloud-metadata.json' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), entry.data]) : entry.data,
  })));
}
