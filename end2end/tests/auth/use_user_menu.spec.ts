import { expect, test } from "@playwright/test";
import { UserMenu, signIn } from "../fixtures/app";

test("the account menu hydrates, opens, closes with Escape and returns focus", async ({ page }) => {
  await signIn(page, "owner@acme.test");
  const menu = new UserMenu(page);
  await menu.waitForHydration();

  await expect(menu.panel()).toBeHidden();
  await menu.button().click();
  await expect(menu.button()).toHaveAttribute("aria-expanded", "true");
  await expect(menu.panel()).toBeVisible();
  await expect(menu.panel()).toContainText("owner@acme.test");

  await page.keyboard.press("Escape");
  await expect(menu.panel()).toBeHidden();
  await expect(menu.button()).toHaveAttribute("aria-expanded", "false");
  await expect(menu.button()).toBeFocused();

  // Keyboard only: Enter on the focused button opens it again.
  await page.keyboard.press("Enter");
  await expect(menu.panel()).toBeVisible();
});

test("an unknown address shows the 404 page", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page).toHaveTitle("Page not found · Growthkit");
});
