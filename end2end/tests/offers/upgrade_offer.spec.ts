import { expect, test, type Page } from "@playwright/test";
import { signIn } from "../fixtures/app";
import { DAY, fulfillment, travel } from "../fixtures/engine";
import { docScreenshot } from "../fixtures/screenshots";
import { CardDataWatch, CardFields, TEST_CARDS, waitForIsland } from "../fixtures/forms";

// One account's offer lifecycle, in order: each step starts from the state the previous one left.
test.describe.configure({ mode: "serial" });

function fulfillmentIdOf(page: Page): string {
  const id = new URL(page.url()).searchParams.get("fulfillment");
  expect(id).toBeTruthy();
  return id!;
}

test("banner: dismissed, hidden during the cooldown, back after time travel", async ({ page, request }) => {
  await signIn(page, "owner@acme.test");
  const banner = page.getByTestId("offer-banner");
  await expect(banner.locator(".offer-title")).toHaveText("Unlock Advanced Analytics");
  await waitForIsland(page.getByTestId("offer-banner"));
  await docScreenshot(page, "offer-banner");

  await banner.getByTestId("offer-dismiss").click();
  await expect(banner.locator("section.offer")).toBeHidden();

  await page.reload();
  await expect(page.getByTestId("dashboard-heading")).toBeVisible();
  await expect(page.getByTestId("offer-banner")).toHaveCount(0);

  await travel(request, 3 * DAY + 60);
  await page.reload();
  await expect(page.getByTestId("offer-banner").locator(".offer-title")).toHaveText("Unlock Advanced Analytics");
});

test("abandoned upgrade: accepted, left, failed after 8 days of time travel", async ({ page, request }) => {
  await signIn(page, "owner@acme.test");
  await page.goto("/app/analytics");
  await expect(page.getByTestId("analytics-locked")).toBeVisible();
  const inline = page.getByTestId("offer-inline");
  await waitForIsland(page.getByTestId("offer-inline"));
  await docScreenshot(page, "offer-inline", { fullPage: true });
  await inline.getByTestId("offer-accept").click();
  await expect(page).toHaveURL(/\/upgrade\/analytics\?fulfillment=/);
  const id = fulfillmentIdOf(page);
  expect((await fulfillment(request, id)).status).toBe("in_progress");

  // The user closes the tab. Eight days later the fulfillment has been settled as failed.
  await travel(request, 8 * DAY);
  await expect.poll(async () => (await fulfillment(request, id)).status, { timeout: 15_000 }).toBe("failed");
  await page.goto(`/upgrade/analytics?fulfillment=${id}`);
  await expect(page.getByTestId("upgrade-failed")).toBeVisible();
});

test("modal, B2B and payment: decline, teammate refused, then paid and unlocked", async ({ browser, request }) => {
  const owner = await (await browser.newContext()).newPage();
  const member = await (await browser.newContext()).newPage();

  // Both team members have the offer on screen at the same time.
  await signIn(member, "member@acme.test");
  await member.goto("/app/analytics");
  await waitForIsland(member.getByTestId("offer-inline"));

  await signIn(owner, "owner@acme.test");
  const watch = new CardDataWatch(owner);
  await owner.goto("/app/analytics");
  await waitForIsland(owner.getByTestId("offer-modal"));
  await owner.getByTestId("gated-action").click();
  const dialog = owner.getByTestId("offer-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute("aria-modal", "true");
  await expect(dialog.getByTestId("offer-close")).toBeFocused();
  // Tab stays inside the dialog: from the last control it wraps to the first.
  await dialog.getByTestId("offer-dismiss").focus();
  await owner.keyboard.press("Tab");
  await expect(dialog.getByTestId("offer-close")).toBeFocused();
  await docScreenshot(owner, "offer-modal");

  // A double click is harmless: the button is disabled at the first click.
  await dialog.getByTestId("offer-accept").dblclick();
  await expect(owner).toHaveURL(/\/upgrade\/analytics\?fulfillment=/);
  const firstId = fulfillmentIdOf(owner);

  // The teammate, still looking at the offer, is told it was already accepted.
  await member.getByTestId("offer-inline").getByTestId("offer-accept").click();
  await expect(member.getByTestId("offer-inline").getByTestId("offer-message")).toHaveText(
    "This offer has already been accepted.",
  );

  // Declined card: the fulfillment fails with the reason, and the user can try again.
  await waitForIsland(owner.getByTestId("payment-form"));
  await docScreenshot(owner, "upgrade", { fullPage: true });
  await new CardFields(owner).fill(TEST_CARDS.declined);
  await owner.getByTestId("pay").click();
  await expect(owner.getByTestId("payment-error")).toContainText("Payment declined: The card was declined by the bank.");
  const declined = await fulfillment(request, firstId);
  expect(declined.status).toBe("failed");
  expect(declined.error.message).toBe("Payment declined: The card was declined by the bank.");

  await new CardFields(owner).changeNumber(TEST_CARDS.approved);
  await owner.getByTestId("pay").dblclick();
  await expect(owner).toHaveURL(/\/app\/analytics\?upgraded=1$/);
  await expect(owner.getByTestId("upgraded")).toBeVisible();
  await expect(owner.getByTestId("analytics-unlocked")).toBeVisible();
  // Both cards went to billing's card endpoint, neither (nor expiry or code) to the app.
  watch.expectCardOnlyWentToBilling(TEST_CARDS.declined);
  watch.expectCardOnlyWentToBilling(TEST_CARDS.approved);

  // The teammate has it too.
  await member.goto("/app/analytics");
  await expect(member.getByTestId("analytics-unlocked")).toBeVisible();

  // The product team sees the declined attempt failed with its reason, and the paid one completed.
  const studio = await (await browser.newContext()).newPage();
  await signIn(studio, "studio@growthkit.test");
  await studio.goto("/studio");
  const rows = studio.getByTestId("studio-fulfillments");
  await expect(rows.getByTestId(`fulfillment-${firstId}`)).toContainText("failed");
  await expect(rows.getByTestId(`fulfillment-${firstId}`)).toContainText("Payment declined");
  await expect(rows.locator(".status-completed")).toHaveCount(1);
  // Abandoned, declined, paid: the double clicks on "Unlock now" and "Pay" created nothing more.
  await expect(rows.locator("tbody tr")).toHaveCount(3);
  const funnel = studio.getByTestId("funnel-offer_advanced_analytics");
  await expect(funnel.getByTestId("funnel-completed")).toContainText("1");
});
