import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { join, relative, resolve, sep } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { zipSync } from 'fflate';
import { defineConfig, type Plugin } from 'vite';
import { aliases } from './aliases.config';

const root = import.meta.dirname;
const outDir = resolve(root, 'out/extension');
const zipFile = resolve(root, 'out/authdesk-extension.zip');

/** Icon sizes Chromium asks for (toolbar 16/32, extensions page 48, store and install 128). */
const ICON_SIZES = [16, 32, 48, 128] as const;

/**
 * The extension's icon, drawn at each size at build time (no binary files in the repository): the
 * key of src/extension/icons/icon.svg on a blue rounded square, 4x4 supersampled for smooth edges,
 * encoded as an RGBA PNG with zlib.
 */
export function renderIcon(size: number): Buffer {
  const inKey = (x: number, y: number): boolean => {
    const d = Math.hypot(x - 36, y - 50);
    if (d >= 9 && d <= 20) return true;
    const rect = (x0: number, y0: number, w: number, h: number) => x >= x0 && x <= x0 + w && y >= y0 && y <= y0 + h;
    return rect(48, 45, 36, 10) || rect(66, 55, 6, 13) || rect(76, 55, 6, 9);
  };
  const inBackground = (x: number, y: number): boolean => {
    const r = 22;
    const cx = Math.min(Math.max(x, r), 100 - r);
    const cy = Math.min(Math.max(y, r), 100 - r);
    return x >= 0 && x <= 100 && y >= 0 && y <= 100 && Math.hypot(x - cx, y - cy) <= r;
  };
  const rows: Buffer[] = [];
  const n = 4;
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let key = 0;
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) {
          const x = ((px + (sx + 0.5) / n) / size) * 100;
          const y = ((py + (sy + 0.5) / n) / size) * 100;
          if (inBackground(x, y)) {
            bg++;
            if (inKey(x, y)) key++;
          }
        }
      const alpha = bg / (n * n);
      const white = bg === 0 ? 0 : key / bg;
      const channel = (base: number) => Math.round(base + (255 - base) * white);
      row.set([channel(0x1d), channel(0x4e), channel(0xd8), Math.round(alpha * 255)], 1 + px * 4);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The manifest goes out with the app's version (one version for desktop and extension), and the
 * finished folder is zipped for a store upload (fflate: no system zip tool needed).
 */
function manifestAndZip(): Plugin {
  return {
    name: 'authdesk-extension-manifest-zip',
    generateBundle() {
      const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
      const manifest = JSON.parse(readFileSync(resolve(root, 'src/extension/manifest.json'), 'utf8')) as Record<string, unknown>;
      manifest.version = pkg.version.replace(/[^0-9.].*$/, '');
      const icons = Object.fromEntries(ICON_SIZES.map((size) => [String(size), `icons/icon-${size}.png`]));
      for (const size of ICON_SIZES) this.emitFile({ type: 'asset', fileName: `icons/icon-${size}.png`, source: renderIcon(size) });
      manifest.icons = icons;
      manifest.action = { ...(manifest.action as Record<string, unknown>), default_icon: icons };
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: `${JSON.stringify(manifest, null, 2)}\n` });
    },
    closeBundle() {
      const files: Record<string, Uint8Array> = {};
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else files[relative(outDir, path).split(sep).join('/')] = readFileSync(path);
        }
      };
      walk(outDir);
      // Fixed timestamps: the same sources give the same zip.
      writeFileSync(zipFile, zipSync(files, { level: 9, mtime: new Date('2020-01-01T00:00:00Z') }));
    },
  };
}

/**
 * The browser extension (issue #8): the side panel (the console's Vue views over the bridge
 * Platform) and the service worker, built to out/extension (load it unpacked) and zipped to
 * out/authdesk-extension.zip. `npm run build` runs it after electron-vite.
 */
export default defineConfig({
  root: resolve(root, 'src/extension'),
  base: './',
  plugins: [vue(), manifestAndZip()],
  resolve: { alias: aliases },
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: true,
    // SECURITY: no inline data: modules or eval; the extension CSP allows only its own files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        sidepanel: resolve(root, 'src/extension/sidepanel.html'),
        'service-worker': resolve(root, 'src/extension/service-worker.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'service-worker' ? 'service-worker.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
