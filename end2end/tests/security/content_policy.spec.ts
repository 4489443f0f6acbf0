import { expect, test, type Page } from "@playwright/test";
import { signIn } from "../fixtures/app";

// Every page is served under a content security policy (scripts only from this site with the page's
// nonce, WASM, and billing's card script). Each page below must hydrate every island it has, with not
// one violation reported by the browser.

const PAGES: { user: string | null; path: string }[] = [
  { user: null, path: "/login" },
  { user: "owner@acme.test", path: "/app" },
  { user: "owner@acme.test", path: "/app/analytics" },
  { user: "credits@demo.test", path: "/credits" },
  { user: "gifter@demo.test", path: "/gift" },
  { user: "gifter@demo.test", path: "/account/gifts" },
  { user: "studio@growthkit.test", path: "/studio/offers" },
];

/** Records every violation the page reports, from its very first script on. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction("__reportViolation", (what: string) => seen.push(what));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportViolation: (s: string) => void }).__reportViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"}`,
      );
    });
  });
  page.on("console", (msg) => {
    if (msg.text().includes("Content Security Policy")) seen.push(msg.text());
  });
  return seen;
}

for (const { user, path } of PAGES) {
  test(`${path} hydrates under the policy${user ? ` for ${user}` : ""}`, async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = await watchViolations(page);
    if (user) await signIn(page, user);
    const response = await page.goto(path);
    expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    const islands = page.locator("[data-hydrated]");
    expect(await islands.count()).toBeGreaterThan(0);
    for (const island of await islands.all()) {
      await expect(island).toHaveAttribute("data-hydrated", "true");
    }
    expect(violations).toEqual([]);
    await context.close();
  });
}
