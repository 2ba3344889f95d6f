// Writes the bundled sample migration folder, examples/migration/: an Xperience-shaped db.bacpac
// (version EXAMPLE_XPERIENCE_VERSION) and a few dozen small media files in storage/default/assets/.
// Run: npm run make-example [-- OUT_DIR]. Byte-for-byte reproducible: fixed content, fixed zip
// timestamps, and nothing deflated (zlib output may differ between Node builds and CPUs, stored data does not).
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';
import { EXAMPLE_XPERIENCE_VERSION, writeBacpac, writeDeploymentPackage } from '../dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// An output folder may be given (the tests compare a fresh copy with the committed one).
const target = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'examples', 'migration');
const packageFile = process.argv[3] ? path.resolve(process.argv[3]) : path.join(root, 'examples', 'DeploymentPackage.zip');
const assets = path.join(target, 'storage', 'default', 'assets');
const time = new Date('2025-01-01T00:00:00Z');

function pngChunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG of size×size pixels, a two-colour diagonal gradient; IDAT stored (level 0) for reproducibility. */
function png(size, [r1, g1, b1], [r2, g2, b2]) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    for (let x = 0; x < size; x++) {
      const t = (x + y) / (2 * (size - 1) || 1);
      raw.set([Math.round(r1 + (r2 - r1) * t), Math.round(g1 + (g2 - g1) * t), Math.round(b1 + (b2 - b1) * t)], row + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 0 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small valid one-page PDF with a line of text and a correct cross-reference table. */
function pdf(title) {
  const text = title.replace(/[()\\]/g, '');
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets = objects.map((object, index) => {
    const offset = body.length;
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const colours = [
  ['sunrise', [255, 94, 58], [255, 205, 2]],
  ['ocean', [0, 119, 182], [144, 224, 239]],
  ['forest', [34, 87, 46], [170, 214, 124]],
  ['dusk', [72, 52, 117], [240, 128, 128]],
  ['slate', [47, 62, 70], [202, 210, 197]],
  ['sand', [194, 178, 128], [250, 240, 215]],
];

/** Relative path under storage/default/assets → content. */
function mediaFiles() {
  const files = new Map();
  colours.forEach(([name, from, to], index) => {
    files.set(`media/images/${name}.png`, png(16 + index * 4, from, to));
    files.set(`media/images/thumbnails/${name}-thumb.png`, png(8, from, to));
  });
  for (const [slug, title] of [
    ['annual-report-2024', 'Annual report 2024'],
    ['price-list', 'Price list'],
    ['terms-and-conditions', 'Terms and conditions'],
    ['product-sheet-coffee-grinder', 'Product sheet: coffee grinder'],
    ['press-kit', 'Press kit'],
    ['warranty', 'Warranty'],
  ]) {
    files.set(`media/documents/${slug}.pdf`, pdf(title));
  }
  for (let i = 1; i <= 12; i++) {
    const id = String(i).padStart(2, '0');
    files.set(`contentitems/article-${id}/body.txt`, Buffer.from(`Article ${i}\n\n${'Lorem ipsum dolor sit amet. '.repeat(i * 3).trim()}\n`, 'utf8'));
  }
  files.set('media/site/styles.css', Buffer.from('body { font-family: sans-serif; color: #2f3e46; }\n', 'utf8'));
  files.set('media/site/logo.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#0077b6"/></svg>\n', 'utf8'));
  files.set('media/site/readme.txt', Buffer.from('Sample media for the kxp-restore rehearsal. Generated by scripts/make-example.js.\n', 'utf8'));
  return files;
}

const mimeTypes = { '.png': 'image/png', '.pdf': 'application/pdf', '.txt': 'text/plain', '.css': 'text/css', '.svg': 'image/svg+xml' };

function stableGuid(text) {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// Replaces only a folder that holds nothing but a previous sample.
const existing = await readdir(target).catch(() => []);
if (existing.some((name) => name !== 'db.bacpac' && name !== 'storage')) {
  console.error(`${target} holds other files than a sample migration folder; not replacing it.`);
  process.exit(2);
}
await rm(target, { recursive: true, force: true });
const files = [...mediaFiles()].sort(([a], [b]) => (a < b ? -1 : 1));
for (const [relative, content] of files) {
  const file = path.join(assets, ...relative.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}
await writeBacpac(path.join(target, 'db.bacpac'), {
  xperienceVersion: EXAMPLE_XPERIENCE_VERSION,
  databaseName: 'KxpRestoreSample',
  compress: false,
  time,
  extraTables: [
    {
      name: 'Media_File',
      columns: [
        { name: 'FileID', type: 'int', nullable: false, identity: true },
        { name: 'FileName', type: 'nvarchar', length: 250, nullable: false },
        { name: 'FilePath', type: 'nvarchar', length: 450, nullable: false },
        { name: 'FileExtension', type: 'nvarchar', length: 50, nullable: false },
        { name: 'FileMimeType', type: 'nvarchar', length: 100, nullable: false },
        { name: 'FileSize', type: 'bigint', nullable: false },
        { name: 'FileGUID', type: 'uniqueidentifier', nullable: false },
        { name: 'FileLastModified', type: 'datetime2', scale: 7, nullable: false },
        { name: 'FileDescription', type: 'nvarchar', max: true },
      ],
      rows: files.map(([relative, content], index) => {
        const extension = path.extname(relative);
        return [index + 1, path.basename(relative, extension), `assets/${relative}`, extension, mimeTypes[extension], BigInt(content.length), stableGuid(relative), time, null];
      }),
    },
  ],
});
await writeDeploymentPackage(packageFile, {
  assemblyName: 'KxpRestoreSample',
  applicationVersion: '1.0.0',
  xperienceVersion: EXAMPLE_XPERIENCE_VERSION,
  time,
  // The site's logo as a storage asset, as Export-DeploymentPackage.ps1 packs $StorageAssets.
  storageAssets: { 'default/assets/media/site/logo.svg': files.find(([relative]) => relative === 'media/site/logo.svg')?.[1] ?? '' },
});
console.log(`${path.relative(process.cwd(), packageFile)}: deployment package KxpRestoreSample 1.0.0 on Xperience ${EXAMPLE_XPERIENCE_VERSION}`);
console.log(`${path.relative(process.cwd(), target) || '.'}: db.bacpac (Xperience ${EXAMPLE_XPERIENCE_VERSION}) and ${files.length} media files in storage/default/assets`);
