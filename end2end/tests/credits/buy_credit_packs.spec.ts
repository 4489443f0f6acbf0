import { expect, test, type Page } from "@playwright/test";
import { signIn } from "../fixtures/app";
import { DAY, eventCount, invoiceCount, travel } from "../fixtures/engine";
import { docScreenshot } from "../fixtures/screenshots";
import { CardDataWatch, CardFields, TEST_CARDS, waitForIsland } from "../fixtures/forms";

// Carl's credits, in order: checkout, then each answer to the low-balance popup.
test.describe.configure({ mode: "serial" });

const CUSTOMER = "gk_carl";

async function openCredits(page: Page) {
  await signIn(page, "credits@demo.test");
  await page.goto("/credits");
}

async function balance(page: Page): Promise<number> {
  return Number((await page.getByTestId("credit-balance").innerText()).replace(/,/g, ""));
}

/** Sets the alert level just under the balance, then runs a report: the balance drops below it. */
async function runLow(page: Page) {
  await waitForIsland(page.getByTestId("credits-console"));
  const before = await balance(page);
  await page.getByTestId("threshold").fill(String(before - 10));
  await page.getByTestId("save-threshold").click();
  await expect(page.getByTestId("low-balance")).toHaveCount(0);
  await page.getByTestId("run-report").click();
  await expect(page.getByTestId("credit-balance")).toHaveText((before - 25).toLocaleString("en-US"));
  await expect(page.getByTestId("top-up-popup")).toBeVisible();
  return before - 25;
}

test("checkout without a pack is refused in the browser and by the server", async ({ page }) => {
  await openCredits(page);
  const checkout = page.getByTestId("credit-checkout");
  await waitForIsland(checkout);
  await new CardFields(page).fill();
  await page.getByTestId("checkout").click();
  await expect(page.getByTestId("checkout-problem")).toContainText("Choose a credit pack");
  await expect(page.getByTestId("checkout-total")).toHaveText("Choose a pack to see the total.");

  // The server holds the same rule on its own.
  const res = await page.request.post("/api/credits_checkout", {
    headers: { "sec-fetch-site": "same-origin" },
    form: {
      "input[plan_id]": "credits-starter-USD-monthly",
      "input[pack_id]": "",
      "input[quantity]": "1",
      "input[payment_intent_id]": "pi_unused",
      "input[nonce]": "0123456789abcdef",
    },
  });
  expect(res.status()).toBe(422);
  expect((await res.json()).message).toContain("credit pack");
  expect(await invoiceCount(page.request, CUSTOMER)).toBe(0);
});

test("checkout with a pack: paid, then the balance appears when the payment event arrives", async ({ page }) => {
  await openCredits(page);
  await waitForIsland(page.getByTestId("credit-checkout"));
  await page.getByTestId("plan-credits-pro-USD-monthly").check();
  await page.getByTestId("pack").selectOption("credit-pack-500-USD");
  await page.getByTestId("quantity").fill("1");
  await expect(page.getByTestId("checkout-total")).toHaveText("Total today: $59.00 for 500 credits");
  const watch = new CardDataWatch(page);
  await new CardFields(page).fill();
  await docScreenshot(page, "credits-checkout", { fullPage: true });
  await page.getByTestId("checkout").dblclick();
  await expect(page.getByTestId("credit-balance")).toHaveText("500", { timeout: 15_000 });
  await expect(page.getByTestId("ledger").locator("tbody tr")).toHaveCount(1);
  expect(await invoiceCount(page.request, CUSTOMER)).toBe(1);
  watch.expectCardOnlyWentToBilling(TEST_CARDS.approved);
});

test("low balance: the popup; Yes, top up now charges once and the balance rises", async ({ page }) => {
  await openCredits(page);
  const low = await runLow(page);
  await docScreenshot(page, "credits-low-balance-popup");
  const invoices = await invoiceCount(page.request, CUSTOMER);
  const watch = new CardDataWatch(page);
  await page.getByTestId("cta-top-up-now").dblclick();
  await expect(page.getByTestId("popup-outcome")).toContainText("Paid $40.00");
  for (const cta of ["cta-top-up-now", "cta-at-renewal", "cta-stop", "cta-change"]) {
    await expect(page.getByTestId(cta)).toBeDisabled();
  }
  await expect(page.getByTestId("credit-balance")).toHaveText((low + 500).toLocaleString("en-US"), { timeout: 15_000 });
  expect(await invoiceCount(page.request, CUSTOMER)).toBe(invoices + 1);
  watch.expectNoCardSent();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("top-up-popup")).toBeHidden();

  // Once per episode: a reload in the same (now ended) episode shows no popup.
  await page.reload();
  await waitForIsland(page.getByTestId("credits-console"));
  await expect(page.getByTestId("top-up-popup")).toBeHidden();
});

test("At renewal: scheduled once, then collected and credited when time reaches renewal", async ({ page }) => {
  await openCredits(page);
  const low = await runLow(page);
  const invoices = await invoiceCount(page.request, CUSTOMER);
  await page.getByTestId("cta-at-renewal").dblclick();
  await expect(page.getByTestId("popup-outcome")).toContainText("at renewal");
  await page.getByTestId("popup-close").click();
  await expect(page.getByTestId("pending-charges").locator("li")).toHaveCount(1);
  expect(await invoiceCount(page.request, CUSTOMER)).toBe(invoices);

  await travel(page.request, 31 * DAY);
  await expect
    .poll(async () => {
      await page.reload();
      return balance(page);
    }, { timeout: 15_000 })
    .toBe(low + 500);
  await expect(page.getByTestId("no-pending")).toBeVisible();
});

test("Change: another pack and quantity, charged once", async ({ page }) => {
  await openCredits(page);
  const low = await runLow(page);
  const invoices = await invoiceCount(page.request, CUSTOMER);
  const watch = new CardDataWatch(page);
  await page.getByTestId("cta-change").click();
  await page.getByTestId("change-pack-select").selectOption("credit-pack-100-USD");
  await page.getByTestId("change-quantity").fill("2");
  await page.getByTestId("cta-change-buy").dblclick();
  await expect(page.getByTestId("popup-outcome")).toContainText("Paid $20.00");
  await expect(page.getByTestId("credit-balance")).toHaveText((low + 200).toLocaleString("en-US"), { timeout: 15_000 });
  expect(await invoiceCount(page.request, CUSTOMER)).toBe(invoices + 1);
  watch.expectNoCardSent();
  await page.getByTestId("popup-close").click();
  await expect(page.getByTestId("top-up-pack")).toHaveText("2 × 100 credits");
});

test("No: cancellation scheduled once for term end, and undone", async ({ page }) => {
  await openCredits(page);
  await runLow(page);
  const scheduled = await eventCount(page.request, "subscription_cancellation_scheduled");
  await page.getByTestId("cta-stop").dblclick();
  await expect(page.getByTestId("popup-outcome")).toContainText("Your plan ends on");
  await page.getByTestId("popup-close").click();
  await expect(page.getByTestId("cancellation-scheduled")).toBeVisible();
  await expect(page.getByTestId("subscription-status")).toHaveAttribute("data-status", "non_renewing");
  await expect(page.getByTestId("subscription-status")).toHaveText("Ends at term end");
  expect(await eventCount(page.request, "subscription_cancellation_scheduled")).toBe(scheduled + 1);
  await docScreenshot(page, "credits-cancellation-scheduled", { fullPage: true });

  await page.getByTestId("undo-stop").click();
  await expect(page.getByTestId("subscription-status")).toHaveAttribute("data-status", "active");
  await expect(page.getByTestId("cancellation-scheduled")).toHaveCount(0);
});
