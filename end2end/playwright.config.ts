import { defineConfig } from "@playwright/test";
import path from "node:path";

// The suite starts the already-built server itself on its own port and a fresh database, so it never
// touches the demo database of a running dev server.
//
// `E2E_CATALOG=v1` runs it against a product catalog 1.0 site instead: the app then reaches billing
// through its Chargebee HTTP client (as on a real site), pointed at its own built-in engine's billing site,
// which emulates a 1.0 site; the default is the embedded engine, in process, on 2.0.
const catalog = process.env.E2E_CATALOG ?? "v2";
const port = Number(process.env.E2E_PORT ?? (catalog === "v1" ? 3101 : 3100));
const baseURL = `http://127.0.0.1:${port}`;
// The built-in engine's own billing site (its API, card script and card endpoint), apart from the app, as
// Chargebee is: card data goes there and never to the app. Tests read it from E2E_ENGINE_URL.
const enginePort = port + 100;
const engineURL = `http://127.0.0.1:${enginePort}`;
process.env.E2E_ENGINE_URL = engineURL;
const root = path.resolve(__dirname, "..");
const serverBin = process.env.E2E_SERVER_BIN ?? "target/debug/growthkit";
const dbFile = `target/e2e/growthkit-${catalog}.db`;
const billing =
  catalog === "v1"
    ? {
        GROWTHKIT_BILLING: "chargebee",
        CHARGEBEE_SITE: "e2e-v1",
        CHARGEBEE_API_KEY: "test_growthkit_local_key",
        CHARGEBEE_PUBLISHABLE_KEY: "test_growthkit_publishable_key",
        CHARGEBEE_BASE_URL: engineURL,
      }
    : {};

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  outputDir: "./test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: `mkdir -p target/e2e && rm -f ${dbFile} ${dbFile}-wal ${dbFile}-shm && exec ${serverBin}`,
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: `sqlite://${dbFile}`,
      GROWTHKIT_ADDR: `127.0.0.1:${port}`,
      GROWTHKIT_ENGINE_ADDR: `127.0.0.1:${enginePort}`,
      LEPTOS_SITE_ROOT: "target/site",
      RUST_LOG: "warn",
      GROWTHKIT_PRODUCT_CATALOG: catalog,
      ...billing,
    },
  },
});
