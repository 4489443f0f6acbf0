import { expect, test, type Browser, type Page } from "@playwright/test";
import { signIn } from "../fixtures/app";
import { DAY, engineNow, travel } from "../fixtures/engine";
import { docScreenshot } from "../fixtures/screenshots";
import { CardDataWatch, CardFields, TEST_CARDS, waitForIsland } from "../fixtures/forms";

// Gifts, in order: a scheduled gift from purchase to claim, the checkout's validation, auto-claim,
// expiry, and the gifter's cancel and change of date. The gifter's browser runs in Berlin time.
test.describe.configure({ mode: "serial" });
test.use({ timezoneId: "Europe/Berlin" });

/** A signed-in page for another user, in its own browser context. */
async function as(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext({ timezoneId: "Europe/Berlin" })).newPage();
  await signIn(page, email);
  return page;
}

async function openCheckout(page: Page) {
  await page.goto("/gift");
  await waitForIsland(page.getByTestId("gift-checkout"));
}

async function fillRecipient(page: Page, email: string) {
  await page.getByTestId("recipient-first-name").fill("Rita");
  await page.getByTestId("recipient-last-name").fill("Recipient");
  await page.getByTestId("recipient-email").fill(email);
}

/** Buys a 3-month gift; `later` keeps the suggested time (tomorrow), otherwise it is sent now. */
async function buyGift(page: Page, email: string, later: boolean) {
  await openCheckout(page);
  await fillRecipient(page, email);
  await page.getByTestId("gift-note").fill("Happy birthday!");
  if (later) await page.getByTestId("send-later").check();
  const watch = new CardDataWatch(page);
  await new CardFields(page).fill();
  await page.getByTestId("buy-gift").click();
  await expect(page).toHaveURL(/\/account\/gifts\?ordered=gift_/);
  await expect(page.getByTestId("gift-ordered")).toBeVisible();
  watch.expectCardOnlyWentToBilling(TEST_CARDS.approved);
}

/** The newest outbox message of `kind` to `to`, as the product team sees the outbox. */
async function mail(page: Page, to: string, kind: string) {
  const message = page.locator(`[data-testid=outbox-message][data-to="${to}"][data-kind=${kind}]`).first();
  await expect(async () => {
    await page.goto("/outbox");
    await expect(message).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  return message;
}

/** Saves the studio's gift settings once the form is live, and waits for the page to reload with them. */
async function saveSettings(studio: Page) {
  await waitForIsland(studio.getByTestId("gift-settings"));
  const saved = studio.waitForResponse((r) => r.url().includes("/api/studio/save_gift_settings"));
  const reloaded = studio.waitForEvent("load");
  await studio.getByTestId("save-gift-settings").click();
  expect((await saved).status()).toBe(200);
  await reloaded;
}

test("a scheduled gift is confirmed, sent on its date, claimed by link, and the gifter hears of it", async ({
  page,
  browser,
  request,
}) => {
  await signIn(page, "gifter@demo.test");
  await openCheckout(page);
  await page.getByTestId("send-later").check();
  await expect(page.getByTestId("send-zone")).toContainText("Europe/Berlin");
  await docScreenshot(page, "gifts-checkout", { fullPage: true });
  await buyGift(page, "rita@demo.test", true);
  const card = page.getByTestId("gift-card").first();
  await expect(card.getByTestId("gift-status")).toHaveText("Scheduled");
  await expect(card.getByTestId("gift-notify")).toContainText("(Europe/Berlin)");
  await docScreenshot(page, "gifts-confirmation", { fullPage: true });

  const studio = await as(browser, "studio@growthkit.test");
  await expect(await mail(studio, "gifter@demo.test", "gift_order_confirmation")).toContainText("is booked");
  // Nothing reaches Rita before the date the gifter chose.
  await expect(studio.locator('[data-to="rita@demo.test"][data-kind=gift_claim_invitation]')).toHaveCount(0);

  await travel(request, 2 * DAY);
  const invitation = await mail(studio, "rita@demo.test", "gift_claim_invitation");
  await expect(invitation).toContainText("Happy birthday!");
  await docScreenshot(studio, "gifts-outbox", { fullPage: true });
  const link = await invitation.getByTestId("outbox-link").getAttribute("href");
  expect(link).toMatch(/\/gift\/claim\/[A-Za-z0-9_-]{43}$/);

  // The recipient needs no account: the link is the proof.
  const claimer = await (await browser.newContext()).newPage();
  await claimer.goto(new URL(link!).pathname);
  await waitForIsland(claimer.getByTestId("claim-form"));
  await expect(claimer.getByTestId("claim-note")).toHaveText("Happy birthday!");
  await docScreenshot(claimer, "gifts-claim", { fullPage: true });
  await claimer.getByTestId("claim-gift").click();
  await expect(claimer.getByTestId("gift-claimed")).toContainText("Your gift is active");
  // A second claim with the same link is refused.
  const again = await claimer.request.post("/api/claim_gift", {
    headers: { "sec-fetch-site": "same-origin" },
    form: { token: link!.split("/").pop()! },
  });
  expect(again.status()).toBe(409);
  expect((await again.json()).message).toBe("This gift has already been claimed.");

  await expect(await mail(studio, "gifter@demo.test", "gift_claimed_gifter")).toContainText("claimed your gift");
  await expect(await mail(studio, "rita@demo.test", "gift_claimed_recipient")).toContainText("is active");

  const rita = await as(browser, "rita@demo.test");
  await rita.goto("/account/gifts");
  const received = rita.getByTestId("gifts-received").getByTestId("gift-card").first();
  await expect(received.getByTestId("gift-status")).toHaveText("Claimed");
  await expect(received.getByTestId("gift-timeline")).toContainText("Waiting to be claimed");
  await docScreenshot(rita, "gifts-received", { fullPage: true });
});

test("the checkout says what is wrong, field by field, and a declined card buys nothing", async ({ page }) => {
  await signIn(page, "gifter@demo.test");
  await openCheckout(page);
  await new CardFields(page).fill();
  await page.getByTestId("buy-gift").click();
  const problem = page.getByTestId("gift-problem");
  await expect(problem).toHaveText("Enter the recipient's first and last name.");
  await fillRecipient(page, "rita@nowhere");
  await expect(problem).toContainText("e-mail address");
  await page.getByTestId("recipient-email").fill("rita.validation@demo.test");
  await page.getByTestId("send-later").check();
  await page.getByTestId("send-at").fill("2020-01-01T09:00");
  await expect(problem).toContainText("in the past");
  await page.getByTestId("send-now").check();
  await page.getByTestId("gift-plan-gift-growth-box-6m-USD").check();
  await expect(problem).toContainText("shipping address");
  await docScreenshot(page, "gifts-validation", { fullPage: true });
  await page.getByTestId("gift-plan-gift-growth-3m-USD").check();
  await new CardFields(page).fill(TEST_CARDS.declined);
  await expect(problem).toHaveCount(0);
  await page.getByTestId("buy-gift").click();
  await expect(page.getByTestId("gift-error")).toContainText("Nothing was charged");
  await expect(page.getByTestId("buy-gift")).toBeEnabled();
  await page.goto("/account/gifts");
  await expect(page.locator('[data-testid=gift-card]:has-text("rita.validation@demo.test")')).toHaveCount(0);
});

test("with auto-claim on, the gift is claimed when sent and no claim e-mail goes out", async ({ page, browser }) => {
  const studio = await as(browser, "studio@growthkit.test");
  await studio.goto("/studio/gifts");
  await waitForIsland(studio.getByTestId("gift-settings"));
  await studio.getByTestId("setting-auto_claim").check();
  await saveSettings(studio);
  await expect(studio.getByTestId("setting-auto_claim")).toBeChecked();

  await signIn(page, "gifter@demo.test");
  await buyGift(page, "rita.auto@demo.test", false);
  await expect(page.getByTestId("gift-card").first().getByTestId("gift-status")).toHaveText("Claimed");
  await expect(await mail(studio, "rita.auto@demo.test", "gift_claimed_recipient")).toBeVisible();
  await expect(studio.locator('[data-to="rita.auto@demo.test"][data-kind=gift_claim_invitation]')).toHaveCount(0);

  await studio.goto("/studio/gifts");
  await waitForIsland(studio.getByTestId("gift-settings"));
  await studio.getByTestId("setting-auto_claim").uncheck();
  await saveSettings(studio);
  await expect(studio.getByTestId("setting-auto_claim")).not.toBeChecked();
});

test("an unclaimed gift expires when its claim window closes, and its link says so", async ({
  page,
  browser,
  request,
}) => {
  await signIn(page, "gifter@demo.test");
  await buyGift(page, "rita.expiry@demo.test", false);
  const studio = await as(browser, "studio@growthkit.test");
  const link = await (await mail(studio, "rita.expiry@demo.test", "gift_claim_invitation"))
    .getByTestId("outbox-link")
    .getAttribute("href");
  await travel(request, 31 * DAY);
  await page.goto(new URL(link!).pathname);
  await expect(page.getByTestId("gift-closed-reason")).toContainText("expired");
  await docScreenshot(page, "gifts-expired", { fullPage: true });
});

test("the gifter changes the date of a scheduled gift, then cancels it", async ({ page, browser, request }) => {
  await signIn(page, "gifter@demo.test");
  await buyGift(page, "rita.cancel@demo.test", true);
  const card = page.locator('[data-testid=gift-card]:has-text("rita.cancel@demo.test")');
  await waitForIsland(card.getByTestId("gift-actions"));
  const before = await card.getByTestId("gift-notify").innerText();

  const inThreeDays = (await engineNow(request)) + 3 * DAY;
  const local = await page.evaluate((t) => {
    const d = new Date(t * 1000);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }, inThreeDays);
  await card.getByTestId("change-date").click();
  await card.getByTestId("new-send-at").fill(local);
  await card.getByTestId("save-date").click();
  await expect(card.getByTestId("gift-notify")).not.toHaveText(before);
  await expect(card.getByTestId("gift-notify")).toContainText(local.replace("T", " "));

  const studio = await as(browser, "studio@growthkit.test");
  await studio.goto("/studio/gifts?is_gift=true&status=future");
  await expect(studio.getByTestId("filter-status")).toHaveValue("future");
  await expect(studio.locator('[data-testid=subscription-row]:has-text("rita.cancel@demo.test")')).toBeVisible();
  await docScreenshot(studio, "gifts-studio", { fullPage: true });

  await waitForIsland(card.getByTestId("gift-actions"));
  await card.getByTestId("cancel-gift").click();
  await card.getByTestId("confirm-cancel").click();
  await expect(card.getByTestId("gift-status")).toHaveText("Cancelled");
  await expect(card.getByTestId("cancel-gift")).toHaveCount(0);
  await expect(await mail(studio, "gifter@demo.test", "gift_cancelled_gifter")).toContainText("was cancelled");
});
