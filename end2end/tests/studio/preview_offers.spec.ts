import { expect, test } from "@playwright/test";
import { signIn } from "../fixtures/app";
import { docScreenshot } from "../fixtures/screenshots";
import { waitForIsland } from "../fixtures/forms";

test("the product team previews an offer in all three patterns with live, sanitized content", async ({ page }) => {
  await signIn(page, "studio@growthkit.test");
  await page.getByTestId("nav-studio").click();
  await expect(page).toHaveURL(/\/studio$/);
  await page.goto("/studio/offers");
  const editor = page.getByTestId("offer-editor-offer_advanced_analytics");
  await waitForIsland(editor);
  for (const pattern of ["banner", "inline", "modal"]) {
    await expect(editor.getByTestId(`preview-${pattern}`).locator(".offer-title")).toHaveText("Unlock Advanced Analytics");
  }

  // Typing updates every preview; what the server would strip never shows.
  await editor.getByTestId("offer-title-input").fill('<div class="slate-p">Go <strong>Pro</strong> today<script>window.owned=1</script></div>');
  for (const pattern of ["banner", "inline", "modal"]) {
    await expect(editor.getByTestId(`preview-${pattern}`).locator(".offer-title")).toHaveText("Go Pro today");
  }
  await expect(editor.locator("script")).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { owned?: number }).owned)).toBeUndefined();
  await docScreenshot(editor, "studio-previews");
});

test("the dry run explains why each play won or lost", async ({ page }) => {
  await signIn(page, "studio@growthkit.test");
  await page.goto("/studio/dry-run");
  const form = page.getByTestId("dry-run");
  await waitForIsland(form);
  await page.getByTestId("dry-run-custom").fill("has_advanced_analytics = true");
  await form.getByRole("button", { name: "Run decision" }).click();
  await expect(page.getByTestId("dry-run-winner")).toHaveText("No offer: every play lost.");
  await expect(page.getByTestId("dry-run-table")).toContainText(
    "Lost: not in the audience — custom.has_advanced_analytics is false — it was true",
  );
  await docScreenshot(page, "studio-dry-run", { fullPage: true });
});

test("the overview shows each offer's funnel as a table and a chart", async ({ page }) => {
  await signIn(page, "studio@growthkit.test");
  await page.goto("/studio");
  const funnel = page.getByTestId("funnel-offer_advanced_analytics");
  await expect(funnel.getByTestId("funnel-decided")).toBeVisible();
  await expect(funnel.locator("svg rect")).toHaveCount(6);
  await expect(page.getByTestId("time-travel")).toContainText("Now:");
  await docScreenshot(page, "studio-overview", { fullPage: true });
});

test("people outside the product team cannot open the studio", async ({ page }) => {
  await signIn(page, "owner@acme.test");
  await expect(page.getByTestId("nav-studio")).toHaveCount(0);
  const res = await page.goto("/studio");
  expect(res?.status()).toBe(403);
  await expect(page.getByTestId("error-note")).toHaveText("You do not have access to this.");
});
