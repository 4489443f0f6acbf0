import type { FullConfig } from "@playwright/test";

// On a product catalog 1.0 run the app talks to its built-in engine as to a remote Chargebee site, so,
// as an operator does in Chargebee's settings, the site is told where to send webhooks: the app's own
// `/webhooks/chargebee` with its (default) Basic credentials, registered through the webhook_endpoints API.
export default async function globalSetup(config: FullConfig) {
  if ((process.env.E2E_CATALOG ?? "v2") !== "v1") return;
  const baseURL = config.projects[0].use.baseURL as string;
  const key = process.env.GROWTHKIT_API_KEY ?? "test_growthkit_local_key";
  const res = await fetch(`${baseURL}/api/v2/webhook_endpoints`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      name: "Growthkit app",
      url: `${baseURL}/webhooks/chargebee`,
      api_version: "v2",
      basic_auth_username: "growthkit",
      basic_auth_password: "test_growthkit_webhook_password",
    }),
  });
  if (!res.ok) throw new Error(`registering the app's webhook endpoint: HTTP ${res.status} ${await res.text()}`);
}
