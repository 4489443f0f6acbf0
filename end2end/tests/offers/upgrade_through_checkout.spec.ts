import { expect, test, type Page } from "@playwright/test";
import { signIn } from "../fixtures/app";
import { fulfillment } from "../fixtures/engine";
import { docScreenshot } from "../fixtures/screenshots";
import { CARD_CVC, CARD_EXPIRY, CardDataWatch, TEST_CARDS, waitForIsland } from "../fixtures/forms";

// The product team switches the offer's option to billing's hosted checkout, a second subscriber pays
// there, and the option is switched back so later suites see the demo offer as seeded.
test.describe.configure({ mode: "serial" });

async function setProcessing(page: Page, processing: string, plan: string, redirect: string) {
  await page.goto("/studio/offers");
  const editor = page.getByTestId("offer-editor-offer_advanced_analytics");
  await waitForIsland(editor);
  await editor.getByLabel("Processing").selectOption(processing);
  if (plan) await editor.getByLabel("Plan to move to").selectOption(plan);
  await editor.getByLabel("Redirect URL").fill(redirect);
  await editor.getByRole("button", { name: "Save offer" }).click();
  await expect(editor.getByRole("status")).toHaveText("Saved.");
}

async function payOnHostedPage(page: Page, number: string) {
  await page.getByLabel("Card number").fill(number.replace(/\s/g, ""));
  await page.getByLabel("Expiry month").fill(CARD_EXPIRY.month);
  await page.getByLabel("Expiry year").fill(CARD_EXPIRY.year);
  await page.getByLabel("CVC").fill(CARD_CVC);
  await page.getByRole("button", { name: /^Pay / }).click();
}

test("checkout option: paid on billing's hosted page, back in the app with the feature unlocked", async ({
  browser,
  baseURL,
  request,
}) => {
  const studio = await (await browser.newContext()).newPage();
  await signIn(studio, "studio@growthkit.test");
  await setProcessing(studio, "checkout", "growth-plus-USD-monthly", `${baseURL}/upgrade/analytics`);

  const bea = await (await browser.newContext()).newPage();
  const watch = new CardDataWatch(bea);
  await signIn(bea, "owner@beta.test");
  await bea.goto("/app/analytics");
  const inline = bea.getByTestId("offer-inline");
  await waitForIsland(inline);
  await inline.getByTestId("offer-accept").click();

  // Billing's own page, on billing's address.
  await expect(bea).toHaveURL(new RegExp(`^${process.env.E2E_ENGINE_URL}/pages/v4/hp_`));
  await expect(bea.getByRole("heading")).toHaveText("Upgrade to Growth Plus (with Advanced Analytics)");
  await expect(bea.getByRole("button", { name: "Pay USD 79.00" })).toBeVisible();
  await docScreenshot(bea, "hosted-checkout", { fullPage: true });
  await payOnHostedPage(bea, TEST_CARDS.declined);
  await expect(bea.getByRole("alert")).toContainText("declined");

  await payOnHostedPage(bea, TEST_CARDS.approved);
  await expect(bea).toHaveURL(/\/upgrade\/analytics\?id=hp_[^&]+&state=succeeded$/);
  await expect(bea.getByTestId("upgrade-completed")).toBeVisible();
  await bea.goto("/app/analytics");
  await expect(bea.getByTestId("analytics-unlocked")).toBeVisible();
  watch.expectCardOnlyWentToBilling(TEST_CARDS.approved);

  // Billing completed the fulfillment itself.
  const row = studio.getByTestId("studio-fulfillments").locator(".status-completed");
  await studio.goto("/studio");
  await expect(row.first()).toBeVisible();
  const id = await studio.getByTestId("studio-fulfillments").locator("tbody tr").first().getAttribute("data-testid");
  expect((await fulfillment(request, id!.replace("fulfillment-", ""))).processing_type).toBe("checkout");

  await setProcessing(studio, "url_redirect", "", "/upgrade/analytics");
});
