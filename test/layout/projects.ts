/**
 * Small C# projects in the shapes the Xperience documentation describes, written for these tests:
 * the `--cloud` template's storage module, its multi-container variants, and 31.6 Program.cs mapping.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** Writes `files` (relative path → content) into a fresh temp folder and returns it. */
export async function makeProject(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'kxp-project-'));
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return root;
}

/** `project(files)` for a test file: a fresh project folder with a .csproj and `files`; all removed after each test. */
export function useProjects(): (files: Record<string, string>) => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (files) => {
    const dir = await makeProject({ 'Site.csproj': CSPROJ, ...files });
    made.push(dir);
    return dir;
  };
}

export const CSPROJ = '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n';

/** The template's module: cloud → `~/assets/` in `default`; development → `~/assets/media` under $StorageAssets/default. */
export const TEMPLATE_MODULE = `using CMS;
using CMS.Core;
using CMS.DataEngine;
using CMS.IO;
using Kentico.Xperience.AzureStorage;
using Kentico.Xperience.Cloud;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

[assembly: RegisterModule(typeof(Shop.StorageInitializationModule))]

namespace Shop
{
    /* Decides where files live: Azure containers in the cloud, a local folder in development. */
    public class StorageInitializationModule : Module
    {
        private const string LOCAL_STORAGE_ASSETS_DIRECTORY_NAME = "$StorageAssets";
        private const string CONTAINER_NAME = "default";

        private IWebHostEnvironment mEnvironment;

        public IWebHostEnvironment Environment
        {
            get { return mEnvironment ??= Service.Resolve<IWebHostEnvironment>(); }
        }

        public StorageInitializationModule() : base(nameof(StorageInitializationModule))
        {
        }

        protected override void OnInit()
        {
            base.OnInit();

            if (Environment.IsQa() || Environment.IsUat() || Environment.IsProduction())
            {
                // the whole assets folder goes to blob storage
                MapAzureStoragePath($"~/assets/");
            }
            else
            {
                // media files are kept beside the project while developing
                MapLocalStoragePath($"~/assets/media");
            }
        }

        private void MapAzureStoragePath(string path)
        {
            var provider = AzureStorageProvider.Create();
            provider.CustomRootPath = CONTAINER_NAME;
            provider.PublicExternalFolderObject = false;
            StorageHelper.MapStoragePath(path, provider);
        }

        private void MapLocalStoragePath(string path)
        {
            var provider = StorageProvider.CreateFileSystemStorageProvider();
            provider.CustomRootPath = $"{LOCAL_STORAGE_ASSETS_DIRECTORY_NAME}/{CONTAINER_NAME}";
            StorageHelper.MapStoragePath(path, provider);
        }
    }
}
`;

/** One container per folder, container names as constants, CloudEnvironments conditions (the documented variant). */
export const MULTI_CONTAINER_MODULE = `using CMS;
using CMS.DataEngine;
using CMS.IO;
using Kentico.Xperience.AzureStorage;
using Kentico.Xperience.Cloud;

[assembly: RegisterModule(typeof(StorageInitializationModule))]

public class StorageInitializationModule : Module
{
    private const string LOCAL_STORAGE_ASSETS_DIRECTORY_NAME = "LocalBlobs";

    private const string LIBRARIES = "media-libraries-container";
    private const string ITEM_ASSETS = "content-item-assets-container";
    private const string FORM_FILES = "biz-form-files-container";
    private const string DOCUMENTS = "documents-container";

    public StorageInitializationModule() : base("StorageInitializationModule") { }

    protected override void OnInit(ModuleInitParameters parameters)
    {
        base.OnInit();
        var env = parameters.Services.GetRequiredService<IWebHostEnvironment>();

        if (env.IsQa() ||
            env.IsUat() ||
            env.IsEnvironment(CloudEnvironments.Custom) ||
            env.IsEnvironment(CloudEnvironments.Staging) ||
            env.IsProduction())
        {
            MapAzureStoragePath("~/assets/media", LIBRARIES);
            MapAzureStoragePath("~/assets/contentitems", ITEM_ASSETS);
            MapAzureStoragePath("~/assets/bizformfiles", FORM_FILES);
            MapAzureStoragePath(@"~/assets/documents", DOCUMENTS);
        }
        else
        {
            MapLocalStoragePath("~/assets/media", LIBRARIES);
            MapLocalStoragePath("~/assets/documents", DOCUMENTS);
        }
    }

    private static void MapAzureStoragePath(string path, string containerName)
    {
        var provider = AzureStorageProvider.Create();
        provider.CustomRootPath = containerName;
        provider.PublicExternalFolderObject = false;
        StorageHelper.MapStoragePath(path, provider);
    }

    private static void MapLocalStoragePath(string path, string containerName)
    {
        var provider = StorageProvider.CreateFileSystemStorageProvider();
        provider.CustomRootPath = $"{LOCAL_STORAGE_ASSETS_DIRECTORY_NAME}/{containerName}";
        StorageHelper.MapStoragePath(path, provider);
    }
}
`;

/** A second variant: providers made inline in OnInit, development tested first (`!IsDevelopment()` is the cloud). */
export const INLINE_MODULE = `using CMS;
using CMS.IO;
using Kentico.Xperience.AzureStorage;

[assembly: RegisterModule(typeof(Storage.FilesModule))]

namespace Storage;

public sealed class FilesModule : CMS.DataEngine.Module
{
    public FilesModule() : base("Storage.Files") { }

    protected override void OnInit(ModuleInitParameters parameters)
    {
        base.OnInit();
        var hosting = parameters.Services.GetRequiredService<IWebHostEnvironment>();
        if (!hosting.IsDevelopment())
        {
            var assets = AzureStorageProvider.Create();
            assets.CustomRootPath = "default";
            StorageHelper.MapStoragePath("~/assets/", assets);

            var exports = AzureStorageProvider.Create();
            exports.CustomRootPath = "exports";
            exports.PublicExternalFolderObject = true;
            StorageHelper.MapStoragePath("~/App_Data/Exports", exports);
        }
    }
}
`;

/** Paths and containers built from constants with interpolation and concatenation, across two files. */
export const CONSTANTS_FILE = `namespace Shop.Storage;

public static class StorageNames
{
    public const string Root = "assets";
    public const string Media = Root + "/media";
    public const string Tenant = "shop";
    public const string MediaContainer = $"{Tenant}-media";
}
`;

export const INTERPOLATED_MODULE = `using CMS;
using CMS.IO;
using Kentico.Xperience.AzureStorage;
using Shop.Storage;

[assembly: RegisterModule(typeof(StorageInitializationModule))]

public class StorageInitializationModule : CMS.DataEngine.Module
{
    private const string DefaultContainer = "default";

    public StorageInitializationModule() : base(nameof(StorageInitializationModule)) { }

    protected override void OnInit()
    {
        base.OnInit();
        if (Environment.IsEnvironment("QA") || Environment.IsUat() || Environment.IsProduction())
        {
            MapAzure($"~/{StorageNames.Root}/", DefaultContainer);
            MapAzure($"~/{StorageNames.Media}/", StorageNames.MediaContainer);
        }
    }

    private static void MapAzure(string path, string container)
    {
        var provider = AzureStorageProvider.Create();
        provider.CustomRootPath = container;
        StorageHelper.MapStoragePath(path, provider);
    }
}
`;

/** 31.6: automatic storage path mapping, one custom path registered into its own container. */
export const PROGRAM_31_6 = `using CMS.IO;
using Kentico.Web.Mvc;
using Kentico.Xperience.Cloud;

const string SearchIndexPath = "~/App_Data/SearchIndex";

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddKentico();
builder.Services.AddStoragePathRegistration(SearchIndexPath, PathType.SharedPersistent);
builder.Services.AddStoragePathRegistration("~/App_Data/Scratch", PathType.LocalOnly);
builder.Services.AddXperienceCloudStoragePathMapping(options =>
{
    options.ConfigureContainerForPath = (registration, setup) =>
    {
        if (string.Equals(registration.RegisteredPath, SearchIndexPath, StringComparison.OrdinalIgnoreCase))
        {
            setup.ContainerName = "search-index";
        }
    };
});

var app = builder.Build();
app.InitKentico();
app.Run();
`;

/** A module whose container comes from a service at run time: not readable with certainty. */
export const UNREADABLE_MODULE = `using CMS;
using CMS.IO;
using Kentico.Xperience.AzureStorage;

[assembly: RegisterModule(typeof(StorageInitializationModule))]
public class StorageInitializationModule : CMS.DataEngine.Module
{
    public StorageInitializationModule() : base(nameof(StorageInitializationModule)) { }

    protected override void OnInit(ModuleInitParameters parameters)
    {
        base.OnInit();
        var names = parameters.Services.GetRequiredService<IStorageNames>();
        if (Environment.IsQa() || Environment.IsUat() || Environment.IsProduction())
        {
            MapAzureStoragePath("~/assets/", names.AssetsContainer());
        }
    }

    private static void MapAzureStoragePath(string path, string containerName)
    {
        var provider = AzureStorageProvider.Create();
        provider.CustomRootPath = containerName;
        StorageHelper.MapStoragePath(path, provider);
    }
}
`;
